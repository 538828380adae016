import { afterAll, describe, expect, it } from 'vitest';
import { CRON_JOB_NAMES, setCronJobsActive } from './helpers/cron.ts';
import { insertSession, useDatabase } from './helpers/db.ts';

const db = useDatabase();
afterAll(() => setCronJobsActive(db, false));

describe('pg_cron jobs', () => {
  it('are registered by name, each calling a stored function', async () => {
    const { rows } = await db.query(
      'select jobname, schedule, command, database from cron.job where jobname = any($1) order by jobname',
      [CRON_JOB_NAMES],
    );
    expect(rows).toEqual([
      {
        jobname: 'session_sweeper.cron-history-cleanup',
        schedule: '30 3 * * *',
        command: 'SELECT session_sweeper.delete_old_cron_history(7)',
        database: expect.any(String),
      },
      {
        jobname: 'session_sweeper.ghost-sessions-purge',
        schedule: '* * * * *',
        command: 'CALL session_sweeper.purge_ghost_sessions()',
        database: expect.any(String),
      },
      {
        jobname: 'session_sweeper.old-sessions-prune',
        schedule: '0 */6 * * *',
        command: 'CALL session_sweeper.purge_old_sessions(30)',
        database: expect.any(String),
      },
    ]);
    const { rows: current } = await db.query('select current_database() as name');
    expect(new Set(rows.map((r) => r.database))).toEqual(new Set([current[0].name]));
  });

  it('delete_old_cron_history keeps a week of run history', async () => {
    const { rows: job } = await db.query(
      `select jobid from cron.job where jobname = 'session_sweeper.ghost-sessions-purge'`,
    );
    await db.query(
      `insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status, start_time, end_time)
       select $1, nextval('cron.runid_seq'), 0, current_database(), current_user, 'test', 'succeeded', t, t
       from unnest(array[now() - interval '8 days', now() - interval '6 days']) as t`,
      [job[0].jobid],
    );
    const { rows } = await db.query('select session_sweeper.delete_old_cron_history(7) as deleted');
    expect(rows[0].deleted).toBeGreaterThanOrEqual(1);
    const { rows: left } = await db.query(
      `select count(*)::int as old from cron.job_run_details where end_time < now() - interval '7 days'`,
    );
    expect(left[0].old).toBe(0);
    const { rows: recent } = await db.query(
      `select count(*)::int as n from cron.job_run_details where command = 'test' and end_time > now() - interval '7 days'`,
    );
    expect(recent[0].n).toBe(1);
  });

  it('really fire: the scheduled purge removes a backdated ghost within a minute and logs success', async () => {
    const { rows: start } = await db.query('select now() as at');
    const ghost = await insertSession(db, { idleMinutes: 20 });
    const keeper = await insertSession(db, { idleMinutes: 20, messages: 1 });
    await setCronJobsActive(db, true, ['session_sweeper.ghost-sessions-purge']);

    const runStatuses = async (): Promise<string[]> =>
      (
        await db.query(
          `select d.status from cron.job_run_details d join cron.job j using (jobid)
             where j.jobname = 'session_sweeper.ghost-sessions-purge' and d.start_time >= $1`,
          [start[0].at],
        )
      ).rows.map((r) => r.status);
    // Until the ghost is gone and pg_cron recorded the end of the run (a moment after the purge committed).
    const deadline = Date.now() + 75_000;
    let remaining: string[] = [ghost];
    let runs: string[] = [];
    const running = () => runs.length === 0 || runs.some((status) => status === 'starting' || status === 'running');
    while ((remaining.includes(ghost) || running()) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      remaining = (await db.query('select id from engine_chat_sessions')).rows.map((r) => r.id);
      runs = await runStatuses();
    }
    expect(remaining).toEqual([keeper]);
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(runs).toEqual(runs.map(() => 'succeeded'));

    // The run audited itself, told apart from HTTP and psql calls, within the run's own time span.
    const { rows: audit } = await db.query(
      `select l.kind, l.threshold::text, l.deleted, l.source, l.ran_at between d.start_time and d.end_time as within_run,
                l.finished_at >= l.ran_at as ordered
         from session_sweeper.session_purge_log l
         join cron.job_run_details d on l.ran_at between d.start_time - interval '1 second' and d.end_time
         join cron.job j on j.jobid = d.jobid and j.jobname = 'session_sweeper.ghost-sessions-purge'
         where l.deleted = 1`,
    );
    expect(audit).toEqual([
      { kind: 'ghost', threshold: '00:15:00', deleted: 1, source: 'pg_cron', within_run: true, ordered: true },
    ]);
  }, 90_000);
});
