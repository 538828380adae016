import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { pgProgram } from '../src/dev/embedded-postgres.ts';
import { migrate } from '../src/schema/migrate.ts';
import { readSqlFile, repeatableFiles } from '../src/schema/sql-files.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { databaseUrl, pooledDatabaseUrl, useDatabase } from './helpers/db.ts';
import { MIGRATION_COUNT, migrationsDir, projectDir } from './helpers/migrations.ts';

const db = useDatabase();
const v1Install = new URL('./fixtures/v1-install.sql', import.meta.url);
const schemaSnapshot = new URL('./fixtures/schema.sql', import.meta.url);
const release20261126Install = new URL('./fixtures/release-2026-11-26-install.sql', import.meta.url);
const quiet = () => {};

/** Everything migrations install, as text, to compare states. */
async function installedSchema() {
  const { rows } = await db.query(`
    select
      (select json_agg(name order by name) from session_sweeper.pgmigrations) as migrations,
      (select json_agg(json_build_array(jobname, schedule, command) order by jobname) from cron.job) as jobs,
      (select json_agg(pg_get_functiondef(p.oid) order by p.proname) from pg_proc p
        where p.pronamespace = 'session_sweeper'::regnamespace) as functions,
      (select json_agg(json_build_array(c.relnamespace::regnamespace, c.relname, c.relkind,
                                        coalesce(c.relacl, acldefault('r', c.relowner))::text)
                       order by c.relnamespace::regnamespace::text, c.relname)
        from pg_class c where c.relnamespace in ('public'::regnamespace, 'session_sweeper'::regnamespace)
          and c.relname not like 'pgmigrations%') as relations,
      (select json_agg(json_build_array(p.proname, p.proacl::text) order by p.proname) from pg_proc p
        where p.pronamespace = 'session_sweeper'::regnamespace) as function_grants,
      (select json_agg(json_build_array(tgrelid::regclass, tgname, tgfoid::regproc) order by tgname) from pg_trigger
        where tgrelid = 'public.engine_chat_messages'::regclass and not tgisinternal) as triggers,
      (select json_agg(s) from session_sweeper.settings s) as settings,
      (select count(*)::int from pg_extension where extname = 'pg_cron') as pg_cron`);
  const { settings, ...schema } = rows[0];
  return { ...schema, settings: settings.map(({ recorded_at, ...rest }: Record<string, unknown>) => rest) };
}

/** What of ours is left in public and in our schema, but node-pg-migrate's own table. */
async function leftovers() {
  const { rows } = await db.query(`
    select
      (select count(*)::int from session_sweeper.pgmigrations) as migrations,
      (select count(*)::int from pg_class where relnamespace in ('public'::regnamespace, 'session_sweeper'::regnamespace)
        and relname not like 'pgmigrations%') as relations,
      -- Not an extension's (the Aria fixture installs uuid-ossp in public).
      (select count(*)::int from pg_proc p where pronamespace in ('public'::regnamespace, 'session_sweeper'::regnamespace)
        and not exists (select from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')) as functions,
      (select count(*)::int from pg_extension where extname = 'pg_cron') as pg_cron`);
  return rows[0];
}

afterAll(async () => {
  await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
  await setCronJobsActive(db, false);
});

/** `npm run migrate -- <args>` as an operator runs it. */
function runMigrateCli(args: string[], url = databaseUrl()) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'migrate', '--', ...args], {
      cwd: projectDir,
      env: { ...process.env, DATABASE_URL: url },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

/** Back to an empty database: every migration undone, and no migrations table nor schema either. */
async function emptyDatabase() {
  await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: Infinity, log: quiet });
  expect(await leftovers()).toEqual({ migrations: 0, relations: 0, functions: 0, pg_cron: 0 });
  await db.query('drop schema session_sweeper cascade');
}

/** Installs a release from its frozen dump into the empty database (default: v1, everything in public). */
async function installV1(dump = v1Install) {
  // On a connection of its own: the dump empties the search_path.
  const release = new pg.Client({ connectionString: databaseUrl() });
  await release.connect();
  await release.query('create extension pg_cron');
  await release.query(await readFile(dump, 'utf8')).finally(() => release.end());
}

/**
 * What a DBA would diff: `pg_dump --schema-only` of the database, normalised (no comments, no SET lines, one block
 * per object, sorted, so that only real differences show), and our jobs, which are rows of cron.job.
 */
async function schemaDump(): Promise<string> {
  const [file, args] = pgProgram('pg_dump', ['--schema-only', '--no-owner', databaseUrl()]);
  const { stdout } = await promisify(execFile)(file, args, { maxBuffer: 16 * 2 ** 20 });
  const lines = stdout
    .split('\n')
    .filter((line) => !/^(--|SET |SELECT pg_catalog.set_config|\\(un)?restrict )/.test(line));
  const blocks = lines
    .join('\n')
    .split(/\n{2,}/)
    .map((block) => block.trim())
    .filter(Boolean)
    .sort();
  const { rows: jobs } = await db.query(
    `select format('%s | %s | %s', jobname, schedule, command) as job from cron.job order by jobname`,
  );
  return `${blocks.join('\n\n')}\n\n-- cron.job\n${jobs.map((row) => row.job).join('\n')}\n`;
}

describe('migrations', () => {
  it('up twice is a no-op', async () => {
    const before = await installedSchema();
    expect(before.migrations).toHaveLength(MIGRATION_COUNT);
    const log: string[] = [];
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: (m) => log.push(m) });
    expect(log[0]).toBe('no migration to apply');
    expect(await installedSchema()).toEqual(before);
  });

  it('down removes everything up installed, and up after down restores it', async () => {
    const before = await installedSchema();
    await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: MIGRATION_COUNT, log: quiet });
    expect(await leftovers()).toEqual({ migrations: 0, relations: 0, functions: 0, pg_cron: 0 });
    const { rows } = await db.query(`select rolname from pg_roles where rolname = 'session_sweeper_api'`);
    expect(rows).toEqual([]);

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    expect(await installedSchema()).toEqual(before);
  });

  it('applies a repeatable file again when its text changed since, and only then', async () => {
    const fresh = await installedSchema();
    const appliedAt = async () =>
      (await db.query(`select json_object_agg(file, applied_at) as at from session_sweeper.sql_file_checksums`)).rows[0]
        .at;
    const before = await appliedAt();
    // A database migrated when the file was different: an older body, recorded with the older file's checksum.
    await db.query(`
      create or replace function session_sweeper.delete_ghost_sessions(minutes int default session_sweeper.ghost_idle_minutes(),
        dry_run boolean default false) returns int language sql as 'select 0';
      update session_sweeper.sql_file_checksums set checksum = 'older' where file = 'functions/delete_ghost_sessions.sql';`);
    expect((await installedSchema()).functions).not.toEqual(fresh.functions);

    const log: string[] = [];
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: (m) => log.push(m) });
    expect(log).toContain('applied from sql/: functions/delete_ghost_sessions.sql');
    expect((await installedSchema()).functions).toEqual(fresh.functions);
    const after = await appliedAt();
    expect(Object.keys(after).filter((file) => after[file] !== before[file])).toEqual([
      'functions/delete_ghost_sessions.sql',
    ]);
    const { rows } = await db.query(
      `select pg_get_functiondef('session_sweeper.delete_ghost_sessions(int, boolean)'::regprocedure) like '%session_sweeper.delete_ghost_sessions_batch(%' as current`,
    );
    expect(rows[0].current).toBe(true);
  });

  it('`up N` short of the latest leaves the sql/ files, grants and jobs for the up that completes it; `down 1` and `up` restore', async () => {
    const fresh = await installedSchema();
    await emptyDatabase();
    const log: string[] = [];
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', count: 1, log: (m) => log.push(m) });
    expect(log).toEqual([
      'applied 1764000000500_create-schema-session-sweeper',
      `${MIGRATION_COUNT - 1} migration(s) still pending: sql/ files, settings, grants and jobs wait for them`,
    ]);
    const { rows } = await db.query(
      `select (select count(*)::int from pg_proc where pronamespace = 'session_sweeper'::regnamespace) as routines,
              (select count(*)::int from cron.job) as jobs`,
    );
    expect(rows[0]).toEqual({ routines: 0, jobs: 0 });

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    expect(await installedSchema()).toEqual(fresh);
    await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: 1, log: quiet });
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    expect(await installedSchema()).toEqual(fresh);
  });

  it('an upgraded database ends with the same view definitions as a fresh one', async () => {
    const viewDefinition = async () =>
      (await db.query(`select pg_get_viewdef('session_sweeper.session_sweeper_stats'::regclass) as def`)).rows[0]
        .def as string;
    const fresh = await viewDefinition();
    // An older body with the same columns, recorded with the older file's checksum.
    await db.query(
      `create or replace view session_sweeper.session_sweeper_stats as select * from (${fresh.replace(/;\s*$/, '')}) v where false`,
    );
    await db.query(
      `update session_sweeper.sql_file_checksums set checksum = 'older' where file = 'views/session_sweeper_stats.sql'`,
    );
    expect(await viewDefinition()).not.toEqual(fresh);

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    expect(await viewDefinition()).toEqual(fresh);
  });

  it('upgrades a database the previous release (v1, everything in public) migrated, keeping its data and jobs', async () => {
    const fresh = await installedSchema();
    await emptyDatabase();
    await installV1();
    await db.query(`
      insert into engine_chat_sessions (agent_id, updated_at) values ('v1 ghost', now() - interval '1 hour'), ('young', now());
      insert into engine_chat_sessions (agent_id, updated_at) values ('conversation', now() - interval '1 hour');
      insert into engine_chat_messages (session_id, role, content) select id, 'user', 'hi' from engine_chat_sessions where agent_id = 'conversation';
      select public.delete_ghost_sessions(15);
      select cron.alter_job(jobid, schedule => '*/2 * * * *', active => false) from cron.job where jobname = 'old-sessions-prune';`);

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    const upgraded = await installedSchema();
    // The same schema as a fresh install but the tuned job, and v1's prune index, which still serves the prune.
    expect(upgraded.jobs).toContainEqual([
      'session_sweeper.old-sessions-prune',
      '*/2 * * * *',
      'CALL session_sweeper.purge_old_sessions(30)',
    ]);
    expect({ ...upgraded, jobs: undefined, relations: undefined }).toEqual({
      ...fresh,
      jobs: undefined,
      relations: undefined,
    });
    expect(upgraded.relations.filter((r: string[]) => r[1] !== 'engine_chat_sessions_updated_at_idx')).toEqual(
      fresh.relations.filter((r: string[]) => r[1] !== 'session_sweeper_updated_at_idx'),
    );
    const { rows } = await db.query(`
      select (select json_agg(agent_id || ':' || message_count order by agent_id) from engine_chat_sessions) as sessions,
             (select json_agg(kind || ':' || deleted) from session_sweeper.session_purge_log) as audit,
             to_regclass('public.pgmigrations') as v1_migrations_table`);
    expect(rows[0]).toEqual({ sessions: ['conversation:1', 'young:0'], audit: ['ghost:1'], v1_migrations_table: null });

    // Back to a fresh install for the tests after this one.
    await emptyDatabase();
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    expect(await installedSchema()).toEqual(fresh);
  });

  it('refuses, with the setting to fix and nothing installed, a database pg_cron does not run in', async () => {
    await db.query('drop database if exists sweeper_not_cron');
    await db.query('create database sweeper_not_cron');
    const otherUrl = new URL(databaseUrl());
    otherUrl.pathname = '/sweeper_not_cron';
    try {
      const error = await migrate({ databaseUrl: otherUrl.toString(), direction: 'up', log: quiet }).then(
        () => undefined,
        (e) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(`${error.message} ${error.hint ?? ''}`).toMatch(/cron\.database_name = 'sweeper_not_cron'/);

      const other = new pg.Client({ connectionString: otherUrl.toString() });
      await other.connect();
      const { rows } = await other.query(
        `select to_regclass('engine_chat_sessions') as sessions,
                (select count(*)::int from pg_extension where extname = 'pg_cron') as pg_cron,
                (select count(*)::int from pg_proc where pronamespace in (
                  'public'::regnamespace, coalesce(to_regnamespace('session_sweeper'), 0))) as functions`,
      );
      await other.end();
      expect(rows[0]).toEqual({ sessions: null, pg_cron: 0, functions: 0 });
    } finally {
      await db.query('drop database sweeper_not_cron');
    }
  });

  it('keeps every function, procedure and view in its own repeatable file under sql/, named after it', async () => {
    const { rows } = await db.query(
      `select proname as name, case prokind when 'p' then 'procedure' else 'function' end as kind
       from pg_proc where pronamespace = 'session_sweeper'::regnamespace
       union all select relname, 'view' from pg_class where relnamespace = 'session_sweeper'::regnamespace and relkind = 'v'
       order by name`,
    );
    expect(rows.length).toBeGreaterThan(10);
    const files = await repeatableFiles();
    for (const { name, kind } of rows) {
      const file = files.find((f) => path.basename(f, '.sql') === name);
      expect(file, `${kind} ${name}`).toBeDefined();
      expect(await readSqlFile(file!)).toContain(
        `create or replace ${kind} session_sweeper.${name}${kind === 'view' ? ' as' : '('}`,
      );
    }
    const { rows: inPublic } = await db.query(
      `select proname from pg_proc where pronamespace = 'public'::regnamespace`,
    );
    expect(inPublic).toEqual([]);
  });

  it('two `npm run migrate -- up` at once on an empty database: both exit 0, one schema, no job twice', async () => {
    const migrated = await installedSchema();
    await emptyDatabase();

    const runs = await Promise.all([runMigrateCli(['up']), runMigrateCli(['up'])]);
    await setCronJobsActive(db, false);
    expect(runs.map((run) => run.code)).toEqual([0, 0]);
    // One applied everything; the other waited for the lock and found nothing left to do.
    const outputs = runs.map((run) => run.output).sort();
    expect(outputs[0]).toMatch(/applied 1764000000500_create-schema-session-sweeper/);
    expect(outputs[1]).toMatch(/no migration to apply/);
    expect(await installedSchema()).toEqual(migrated);
    const { rows } = await db.query('select jobname from cron.job group by jobname having count(*) > 1');
    expect(rows).toEqual([]);

    const again = await runMigrateCli(['up']);
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/no migration to apply/);
    expect(await installedSchema()).toEqual(migrated);
  }, 60_000);

  it('`npm run migrate` through PgBouncer (transaction mode) refuses, naming MIGRATION_DATABASE_URL, and migrates nothing', async () => {
    const migrated = await installedSchema();
    await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: MIGRATION_COUNT, log: quiet });
    const pending = await leftovers();

    const run = await runMigrateCli(['up'], pooledDatabaseUrl());
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/migrations must connect straight to PostgreSQL, not through a connection pooler/);
    expect(run.output).toMatch(/set MIGRATION_DATABASE_URL/);
    expect(await leftovers()).toEqual(pending);

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    expect(await installedSchema()).toEqual(migrated);
  }, 60_000);

  it('a failing migration rolls back every migration pending with it', async () => {
    const migrated = await installedSchema();
    await emptyDatabase();
    // Beside migrations/, so that their relative imports (../src/…) resolve the same way.
    const dir = await mkdtemp(path.join(projectDir, '.test-migrations-'));
    try {
      for (const file of readdirSync(migrationsDir)) {
        await symlink(path.join(migrationsDir, file), path.join(dir, file));
      }
      await writeFile(
        path.join(dir, '1764000000999_fails.sql'),
        '-- Up Migration\ncreate table sweeper_half_done (id int);\nselect 1 / 0;\n-- Down Migration\n',
      );
      const failing = migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet, migrationsDir: dir });
      await expect(failing).rejects.toThrow(/division by zero/);
      expect(await leftovers()).toEqual({ migrations: 0, relations: 0, functions: 0, pg_cron: 0 });
    } finally {
      await rm(dir, { recursive: true, force: true });
      await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
      await setCronJobsActive(db, false);
    }
    expect(await installedSchema()).toEqual(migrated);
  });
});

describe('schema snapshot (test/fixtures/schema.sql)', () => {
  // Made on PostgreSQL 15, whose pg_dump it is; on another major the dump reads differently, so there only a fresh
  // install and an upgraded one are compared with each other. Rewrite it with UPDATE_SCHEMA_SNAPSHOT=1.
  const compare = async (dump: string) => {
    const { rows } = await db.query(`select current_setting('server_version_num')::int / 10000 as major`);
    if (process.env.UPDATE_SCHEMA_SNAPSHOT === '1') await writeFile(schemaSnapshot, dump);
    if (rows[0].major === 15) expect(dump).toEqual(await readFile(schemaSnapshot, 'utf8'));
  };
  let fresh: string;

  it('a fresh install is the committed snapshot', async () => {
    await emptyDatabase();
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    fresh = await schemaDump();
    await compare(fresh);
  });

  it('an install upgraded from the first release (v1) is the same schema', async () => {
    await emptyDatabase();
    await installV1();
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    // v1's updated_at index keeps serving the prune under its own name, so ours is not built.
    const upgraded = (await schemaDump()).replace(
      'CREATE INDEX engine_chat_sessions_updated_at_idx ON public.engine_chat_sessions USING btree (updated_at);',
      'CREATE INDEX session_sweeper_updated_at_idx ON public.engine_chat_sessions USING btree (updated_at);',
    );
    expect(upgraded.split('\n\n').sort()).toEqual(fresh.split('\n\n').sort());
  });

  it('an install upgraded from the release of 2026-11-26 (migration 500, before the repeatable files) is the same schema', async () => {
    await emptyDatabase();
    await installV1(release20261126Install);
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    expect(await schemaDump()).toEqual(fresh);
  });

  afterAll(async () => {
    await emptyDatabase();
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
  });
});
