// Managed PostgreSQL (RDS, Cloud SQL): pg_cron lives in `postgres`, the app in another database.
// A cluster of its own, since pg_cron serves exactly one database per cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/dev/embedded-postgres.ts';
import { CRON_JOBS, databaseUrlFor } from '../src/schema/cron-jobs.ts';
import { migrate } from '../src/schema/migrate.ts';
import { endPool } from './helpers/db.ts';
import { MIGRATION_COUNT } from './helpers/migrations.ts';

let cluster: EmbeddedPostgres;
let dir: string;
let app: pg.Pool;
let cron: pg.Pool;
const quiet = () => {};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-managed-'));
  cluster = await startEmbeddedPostgres({ dir, database: 'aria', cronDatabase: 'postgres', log: quiet });
  app = new pg.Pool({ connectionString: cluster.url });
  cron = new pg.Pool({ connectionString: databaseUrlFor(cluster.url, 'postgres') });
});

afterAll(async () => {
  await endPool(app);
  await endPool(cron);
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const jobsInCronDatabase = async () =>
  (await cron.query('select jobname, schedule, command, database, active from cron.job order by jobname')).rows;

describe('CRON_DATABASE (managed PostgreSQL)', () => {
  it('without it, the migration refuses and names CRON_DATABASE as a fix', async () => {
    const error = await migrate({ databaseUrl: cluster.url, direction: 'up', log: quiet }).then(
      () => undefined,
      (e) => e,
    );
    expect(`${error?.message} ${error?.hint}`).toMatch(/set CRON_DATABASE=postgres/);
  });

  it('schedules our jobs from the cron database into the app database, and nothing cron-related in the app', async () => {
    const log: string[] = [];
    await migrate({ databaseUrl: cluster.url, direction: 'up', cronDatabase: 'postgres', log: (m) => log.push(m) });
    expect(log.at(-1)).toBe(
      'scheduled session_sweeper.ghost-sessions-purge, session_sweeper.old-sessions-prune, session_sweeper.cron-history-cleanup from the cron database into "aria"',
    );
    expect(await jobsInCronDatabase()).toEqual(
      CRON_JOBS.map(({ name, schedule, command }) => ({
        jobname: name,
        schedule,
        command,
        database: 'aria',
        active: true,
      })).sort((a, b) => a.jobname.localeCompare(b.jobname)),
    );
    const { rows } = await app.query(
      `select to_regnamespace('cron') as cron_schema, to_regclass('session_sweeper.session_sweeper_stats') is not null as stats,
              to_regclass('session_sweeper.session_sweeper_jobs') as jobs_view, (select count(*)::int from session_sweeper.pgmigrations) as migrations`,
    );
    expect(rows[0]).toEqual({ cron_schema: null, stats: true, jobs_view: null, migrations: MIGRATION_COUNT });
    // The history job runs in the app database too: it trims the audit there, and skips the absent cron tables.
    expect((await app.query('select session_sweeper.delete_old_cron_history(7) as deleted')).rows[0].deleted).toBe(0);
  });

  it('keeps a schedule a DBA tuned when migrating again', async () => {
    await cron.query(
      `select cron.alter_job(jobid, schedule => '0 */3 * * *') from cron.job where jobname = 'session_sweeper.old-sessions-prune'`,
    );
    await migrate({ databaseUrl: cluster.url, direction: 'up', cronDatabase: 'postgres', log: quiet });
    const { rows } = await cron.query(
      `select schedule from cron.job where jobname = 'session_sweeper.old-sessions-prune'`,
    );
    expect(rows[0].schedule).toBe('0 */3 * * *');
  });

  it('really fires: the scheduled purge deletes a backdated ghost in the app database within 75 s', async () => {
    await cron.query(
      `select cron.alter_job(jobid, active => false) from cron.job where jobname <> 'session_sweeper.ghost-sessions-purge'`,
    );
    const { rows: inserted } = await app.query(
      `insert into engine_chat_sessions (agent_id, updated_at) values ('managed', now() - interval '20 minutes') returning id`,
    );
    const deadline = Date.now() + 75_000;
    let left = 1;
    while (left && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      left = (await app.query('select count(*)::int as n from engine_chat_sessions where id = $1', [inserted[0].id]))
        .rows[0].n;
    }
    expect(left).toBe(0);
    const { rows: audit } = await app.query(
      `select kind, deleted, source from session_sweeper.session_purge_log where deleted > 0`,
    );
    expect(audit).toEqual([{ kind: 'ghost', deleted: 1, source: 'pg_cron' }]);
    const { rows: runs } = await cron.query(
      `select d.status, d.database from cron.job_run_details d join cron.job j using (jobid) where j.jobname = 'session_sweeper.ghost-sessions-purge'`,
    );
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs.every((run) => run.status === 'succeeded' && run.database === 'aria')).toBe(true);
  }, 90_000);

  it('unschedules our jobs from the cron database when the migrations are undone', async () => {
    await migrate({
      databaseUrl: cluster.url,
      direction: 'down',
      count: MIGRATION_COUNT,
      cronDatabase: 'postgres',
      log: quiet,
    });
    expect(await jobsInCronDatabase()).toEqual([]);
    const { rows } = await cron.query(`select count(*)::int as n from pg_extension where extname = 'pg_cron'`);
    expect(rows[0].n).toBe(1); // the platform's extension stays
  });
});
