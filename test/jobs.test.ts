import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CRON_JOBS } from '../src/schema/cron-jobs.ts';
import { CRON_JOB_NAMES, setCronJobsActive } from './helpers/cron.ts';
import { useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();

// Runs from other files (the cron-firing test) would be newer than the runs this file writes.
beforeEach(async () => {
  await db.query(
    'delete from cron.job_run_details where jobid in (select jobid from cron.job where jobname = any($1))',
    [CRON_JOB_NAMES],
  );
});

afterEach(async () => {
  await db.query(
    `select session_sweeper.session_sweeper_set_schedule(name, schedule) from unnest($1::text[], $2::text[]) as j(name, schedule)`,
    [CRON_JOBS.map((job) => job.name), CRON_JOBS.map((job) => job.schedule)],
  );
  await setCronJobsActive(db, false);
  await db.query(`delete from cron.job_run_details where command = 'jobs-test'`);
});

/** Adds a finished run to pg_cron's history, as pg_cron writes it. */
async function addRun(job: string, status: string, startedSecondsAgo: number, durationSeconds: number) {
  await db.query(
    `insert into cron.job_run_details (jobid, runid, job_pid, database, username, command, status, start_time, end_time)
     select jobid, nextval('cron.runid_seq'), 0, current_database(), current_user, 'jobs-test', $2,
            now() - make_interval(secs => $3), now() - make_interval(secs => $3 - $4)
     from cron.job where jobname = $1`,
    [job, status, startedSecondsAgo, durationSeconds],
  );
}

describe('session_sweeper_jobs', () => {
  it('lists our jobs with their last run and last success', async () => {
    await setCronJobsActive(db, true, ['session_sweeper.ghost-sessions-purge']);
    await addRun('session_sweeper.ghost-sessions-purge', 'succeeded', 120, 0.25);
    await addRun('session_sweeper.ghost-sessions-purge', 'failed', 60, 1.5);

    const { rows } = await db.query(
      `select job, schedule, command, active, last_status, extract(epoch from last_duration)::float8 as last_duration,
              round(extract(epoch from now() - last_success_at))::int as success_age
       from session_sweeper.session_sweeper_jobs`,
    );
    expect(rows.map((r) => r.job)).toEqual([...CRON_JOB_NAMES].sort());
    expect(rows.find((r) => r.job === 'session_sweeper.ghost-sessions-purge')).toEqual({
      job: 'session_sweeper.ghost-sessions-purge',
      schedule: '* * * * *',
      command: 'CALL session_sweeper.purge_ghost_sessions()',
      active: true,
      last_status: 'failed',
      last_duration: 1.5,
      success_age: 120,
    });
    expect(rows.find((r) => r.job === 'session_sweeper.old-sessions-prune')).toMatchObject({
      active: false,
      last_status: null,
      success_age: null,
    });
  });

  it('GET /api/engine/jobs answers the view and when each job runs next, in GMT as pg_cron 1.4 (or cron.timezone)', async () => {
    await setCronJobsActive(db, true, ['session_sweeper.ghost-sessions-purge']);
    await addRun('session_sweeper.old-sessions-prune', 'succeeded', 30, 2);
    const { rows } = await db.query(
      `select session_sweeper.cron_timezone() as time_zone, now() as before,
              date_trunc('hour', now()) + interval '1 hour' * (6 - extract(hour from now())::int % 6) as next_prune`,
    );
    const response = await app.request('/api/engine/jobs');
    const { rows: after } = await db.query('select now() as after');
    expect(rows[0].time_zone).toBe('GMT'); // pg_cron 1.4 has no cron.timezone; 1.5+ defaults to GMT
    expect(response.status).toBe(200);
    const { jobs } = await response.json();
    expect(jobs.map((job: { job: string }) => job.job)).toEqual([...CRON_JOB_NAMES].sort());
    expect(jobs.find((job: { job: string }) => job.job === 'session_sweeper.old-sessions-prune')).toEqual({
      job: 'session_sweeper.old-sessions-prune',
      schedule: '0 */6 * * *',
      command: 'CALL session_sweeper.purge_old_sessions(30)',
      active: false,
      last_status: 'succeeded',
      last_run_at: expect.stringMatching(/Z$/),
      last_duration_seconds: 2,
      last_success_at: expect.stringMatching(/Z$/),
      next_run_at: rows[0].next_prune.toISOString(),
      next_due: 'paused',
    });
    const ghost = jobs.find((job: { job: string }) => job.job === 'session_sweeper.ghost-sessions-purge');
    const ghostNext = new Date(ghost.next_run_at).getTime();
    expect(ghostNext % 60_000).toBe(0);
    expect(ghostNext).toBeGreaterThan(rows[0].before.getTime());
    expect(ghostNext).toBeLessThanOrEqual(after[0].after.getTime() + 60_000);
    expect(ghost.next_due).toMatch(/^in (\d+ s|1 min)$/); // 1 min: asked at the very start of a minute
  });
});

describe('pause, resume and reschedule without a redeploy', () => {
  it('pauses and resumes one job or all of ours through cron.alter_job', async () => {
    const active = async () =>
      Object.fromEntries(
        (await db.query('select jobname, active from cron.job')).rows.map((r) => [r.jobname, r.active]),
      );

    expect((await db.query('select * from session_sweeper.session_sweeper_resume()')).rows).toHaveLength(3);
    expect(Object.values(await active())).toEqual([true, true, true]);
    expect(
      (await db.query(`select * from session_sweeper.session_sweeper_pause('session_sweeper.ghost-sessions-purge')`))
        .rows,
    ).toEqual([{ jobname: 'session_sweeper.ghost-sessions-purge', active: false }]);
    expect(await active()).toEqual({
      'session_sweeper.ghost-sessions-purge': false,
      'session_sweeper.old-sessions-prune': true,
      'session_sweeper.cron-history-cleanup': true,
    });
    await db.query('select session_sweeper.session_sweeper_pause()');
    expect(Object.values(await active())).toEqual([false, false, false]);
  });

  it('changes a schedule, and refuses an unknown job or an invalid schedule without changing anything', async () => {
    expect(
      (
        await db.query(
          `select * from session_sweeper.session_sweeper_set_schedule('session_sweeper.old-sessions-prune', '0 */3 * * *')`,
        )
      ).rows,
    ).toEqual([{ jobname: 'session_sweeper.old-sessions-prune', schedule: '0 */3 * * *' }]);
    await expect(
      db.query(`select session_sweeper.session_sweeper_set_schedule('nope', '* * * * *')`),
    ).rejects.toMatchObject({
      code: '22023',
      message: expect.stringMatching(
        /unknown job "nope": expected one of session_sweeper\.cron-history-cleanup, session_sweeper\.ghost-sessions-purge, session_sweeper\.old-sessions-prune$/,
      ),
    });
    await expect(db.query(`select session_sweeper.session_sweeper_pause('nope')`)).rejects.toMatchObject({
      code: '22023',
    });
    await expect(
      db.query(`select session_sweeper.session_sweeper_set_schedule('session_sweeper.old-sessions-prune', 'soon')`),
    ).rejects.toThrow(/invalid schedule/);
    const { rows } = await db.query(
      `select schedule from cron.job where jobname = 'session_sweeper.old-sessions-prune'`,
    );
    expect(rows[0].schedule).toBe('0 */3 * * *');
  });
});

describe('pg_cron 1.5+ schedules ("30 seconds", "$" as the last day of the month) on one of our jobs', () => {
  it('the view and GET /api/engine/jobs read them (pg_cron 1.4 refuses them and nothing changes)', async () => {
    const { rows: cron } = await db.query(
      `select regexp_match(extversion, '^(\\d+)\\.(\\d+)')::int[] >= '{1,5}' as seconds from pg_extension where extname = 'pg_cron'`,
    );
    const reschedule = db.query(
      `select session_sweeper.session_sweeper_set_schedule('session_sweeper.ghost-sessions-purge', '30 seconds')`,
    );
    if (!cron[0].seconds) {
      await expect(reschedule).rejects.toThrow(/invalid schedule/);
      const { rows } = await db.query(
        `select schedule from session_sweeper.session_sweeper_jobs where job = 'session_sweeper.ghost-sessions-purge'`,
      );
      expect(rows[0].schedule).toBe('* * * * *');
      return;
    }
    await reschedule;
    await db.query(
      `select session_sweeper.session_sweeper_set_schedule('session_sweeper.old-sessions-prune', '0 0 $ * *')`,
    );
    await setCronJobsActive(db, true, ['session_sweeper.ghost-sessions-purge', 'session_sweeper.old-sessions-prune']);

    const { rows } = await db.query(
      `select now() as now, array[(date_trunc('month', now() at time zone 'UTC') + interval '1 month - 1 day') at time zone 'UTC',
                                  (date_trunc('month', now() at time zone 'UTC') + interval '2 months - 1 day') at time zone 'UTC'] as last_days`,
    );
    const response = await app.request('/api/engine/jobs');
    expect(response.status).toBe(200);
    const { jobs } = await response.json();
    const ghost = jobs.find((job: { job: string }) => job.job === 'session_sweeper.ghost-sessions-purge');
    expect(ghost).toMatchObject({
      schedule: '30 seconds',
      active: true,
      next_due: expect.stringMatching(/^in \d+ s$/),
    });
    // Now if not started since it was rescheduled, else 30 seconds after its last start.
    const ghostIn = new Date(ghost.next_run_at).getTime() - rows[0].now.getTime();
    expect(ghostIn).toBeGreaterThanOrEqual(0);
    expect(ghostIn).toBeLessThanOrEqual(30_000);
    const prune = jobs.find((job: { job: string }) => job.job === 'session_sweeper.old-sessions-prune');
    expect(prune).toMatchObject({ schedule: '0 0 $ * *', next_due: expect.stringMatching(/^in \d+ (d|h|min)/) });
    expect(rows[0].last_days.map((day: Date) => day.toISOString())).toContain(prune.next_run_at);
  });
});
