import type pg from 'pg';

export const OUR_JOBS = ['ghost-sessions-purge', 'old-sessions-prune', 'cron-history-cleanup'];

export async function setCronJobsActive(db: pg.ClientBase | pg.Pool, active: boolean, jobs = OUR_JOBS) {
  await db.query('select cron.alter_job(jobid, active => $1) from cron.job where jobname = any($2)', [active, jobs]);
}
