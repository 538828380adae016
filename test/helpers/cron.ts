import type pg from 'pg';
import { CRON_JOBS } from '../../src/schema/cron-jobs.ts';

export const CRON_JOB_NAMES: string[] = CRON_JOBS.map((job) => job.name);

export async function setCronJobsActive(db: pg.ClientBase | pg.Pool, active: boolean, jobs = CRON_JOB_NAMES) {
  await db.query('select cron.alter_job(jobid, active => $1) from cron.job where jobname = any($2)', [active, jobs]);
}
