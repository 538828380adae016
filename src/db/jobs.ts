// Our pg_cron jobs, for the operator's routes and the metrics.
import type { CronJob } from '../http/schemas.ts';
import { nextDue, nextRun } from './cron-next-run.ts';
import type { Query } from './pool.ts';

export interface JobQueries {
  /** Our pg_cron jobs (the session_sweeper_jobs view); undefined where pg_cron runs in another database. */
  listJobs(): Promise<CronJob[] | undefined>;
  /** Pauses or resumes one of our jobs; undefined where pg_cron runs in another database. */
  setJobActive(job: string, active: boolean): Promise<{ job: string; active: boolean } | undefined>;
}

export function createJobQueries(query: Query): JobQueries {
  return {
    async listJobs() {
      // Checked first: a failing query would cost the pool its connection (see addMessage in sessions.ts).
      const { rows: view } = await query(`select to_regclass('session_sweeper.session_sweeper_jobs') is not null as installed`);
      if (!view[0].installed) return undefined;
      // Both clocks and the time zone are pg_cron's: the database's.
      const { rows } = await query(
        `select job, schedule, command, active, last_status, last_run_at, extract(epoch from last_duration)::float8 as last_duration_seconds,
                last_success_at, now() as now, session_sweeper.cron_timezone() as time_zone
         from session_sweeper.session_sweeper_jobs`,
      );
      const iso = (value: Date | null) => value && value.toISOString();
      return rows.map(({ now, time_zone, ...job }) => {
        const next = nextRun(job.schedule, { now, timeZone: time_zone, lastStart: job.last_run_at });
        return {
          ...job,
          last_run_at: iso(job.last_run_at),
          last_success_at: iso(job.last_success_at),
          next_run_at: iso(next),
          next_due: nextDue(job.active, next, now),
        };
      });
    },

    async setJobActive(job, active) {
      // Checked first, as in listJobs.
      const { rows: installed } = await query(
        `select to_regproc('session_sweeper.session_sweeper_pause') is not null as installed`,
      );
      if (!installed[0].installed) return undefined;
      const { rows } = await query(
        `select jobname as job, active from session_sweeper.${active ? 'session_sweeper_resume' : 'session_sweeper_pause'}($1)`,
        [job],
      );
      return rows[0];
    },
  };
}
