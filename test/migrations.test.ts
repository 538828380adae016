import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/migrate.ts';
import { readSqlFile } from '../src/sql-files.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { databaseUrl, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const quiet = () => {};
const MIGRATION_COUNT = 6;

/** Everything migrations install, as text, to compare states. */
async function installedSchema() {
  const { rows } = await db.query(`
    select
      (select json_agg(name order by name) from pgmigrations) as migrations,
      (select json_agg(json_build_array(jobname, schedule, command) order by jobname) from cron.job) as jobs,
      (select json_agg(pg_get_functiondef(p.oid) order by p.proname) from pg_proc p
        where p.pronamespace = 'public'::regnamespace) as functions,
      (select json_agg(table_name order by table_name) from information_schema.tables
        where table_schema = 'public' and table_name like 'engine_%') as tables,
      (select count(*)::int from pg_extension where extname = 'pg_cron') as pg_cron`);
  return rows[0];
}

afterAll(async () => {
  await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
  await setCronJobsActive(db, false);
});

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
    const { rows } = await db.query(`
      select
        (select count(*)::int from pgmigrations) as migrations,
        (select count(*)::int from pg_proc where pronamespace = 'public'::regnamespace) as functions,
        to_regclass('engine_chat_sessions') is null as no_sessions,
        to_regclass('engine_chat_messages') is null as no_messages,
        (select count(*)::int from pg_extension where extname = 'pg_cron') as pg_cron`);
    expect(rows[0]).toEqual({ migrations: 0, functions: 0, no_sessions: true, no_messages: true, pg_cron: 0 });

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
    expect(await installedSchema()).toEqual(before);
  });

  it('down one step undoes only the last migration', async () => {
    await migrate({ databaseUrl: databaseUrl(), direction: 'down', log: quiet });
    const { rows } = await db.query(`
      select
        (select json_agg(command order by jobname) from cron.job) as commands,
        to_regprocedure('purge_ghost_sessions(int, int, int)') is null as no_procedure,
        to_regprocedure('delete_ghost_sessions_batch(timestamptz, int)') is null as no_batch_function`);
    expect(rows[0]).toEqual({
      commands: ['SELECT delete_old_cron_history(7)', 'SELECT delete_ghost_sessions(15)', 'SELECT prune_old_sessions(30)'],
      no_procedure: true,
      no_batch_function: true,
    });
    // The body restored by the down still works without the dropped batch function.
    await db.query(`insert into engine_chat_sessions (agent_id, updated_at) values ('a', now() - interval '1 hour')`);
    expect((await db.query('select delete_ghost_sessions(15) as n')).rows[0].n).toBe(1);
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    await setCronJobsActive(db, false);
  });

  it('an upgraded database ends with the same function bodies as a fresh one', async () => {
    const fresh = await installedSchema();
    // A database migrated when the function was different: the migration that installed it will not run again.
    await db.query(`create or replace function delete_ghost_sessions(minutes int) returns int language sql as 'select 0'`);
    expect((await installedSchema()).functions).not.toEqual(fresh.functions);

    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    expect((await installedSchema()).functions).toEqual(fresh.functions);
    const { rows } = await db.query(
      `select pg_get_functiondef('delete_ghost_sessions(int)'::regprocedure) like '%delete_ghost_sessions_batch(%' as current`,
    );
    expect(rows[0].current).toBe(true);
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
                (select count(*)::int from pg_proc where pronamespace = 'public'::regnamespace) as functions`,
      );
      await other.end();
      expect(rows[0]).toEqual({ sessions: null, pg_cron: 0, functions: 0 });
    } finally {
      await db.query('drop database sweeper_not_cron');
    }
  });

  it('keeps every function and procedure in its own file under sql/functions or sql/procedures', async () => {
    const { rows } = await db.query(
      `select proname, prokind from pg_proc where pronamespace = 'public'::regnamespace order by proname`,
    );
    for (const { proname, prokind } of rows) {
      const [dir, kind] = prokind === 'p' ? ['procedures', 'procedure'] : ['functions', 'function'];
      expect(await readSqlFile(`${dir}/${proname}.sql`)).toContain(`create or replace ${kind} ${proname}(`);
    }
  });

  it('also refreshes procedures from their files after up', async () => {
    await db.query(`create or replace procedure purge_ghost_sessions(minutes int, batch_size int default 5000,
      inout deleted int default null) language plpgsql as 'begin deleted := 0; end'`);
    await migrate({ databaseUrl: databaseUrl(), direction: 'up', log: quiet });
    const { rows } = await db.query(
      `select pg_get_functiondef('purge_ghost_sessions(int, int, int)'::regprocedure) like '%commit;%' as current`,
    );
    expect(rows[0].current).toBe(true);
  });
});
