// Our pg_cron jobs. The names are a contract (DBAs, alerts, session_sweeper_job_names() in SQL); the migration
// schedules them in the app database, migrate() into it from CRON_DATABASE in managed mode.
// Every minute, not every 10: a ghost then lives at most 15 min idle + 1 min until the next run (~16 min),
// which keeps the "no ghost after 15 minutes" promise. A 10-minute cadence would allow ~25 minutes.
// The ghost and prune jobs CALL the procedures that commit per batch (see docs/performance.md).
export const CRON_JOBS = [
  { name: 'ghost-sessions-purge', schedule: '* * * * *', command: 'CALL session_sweeper.purge_ghost_sessions(15)' },
  { name: 'old-sessions-prune', schedule: '0 */6 * * *', command: 'CALL session_sweeper.purge_old_sessions(30)' },
  { name: 'cron-history-cleanup', schedule: '30 3 * * *', command: 'SELECT session_sweeper.delete_old_cron_history(7)' },
] as const;

export const CRON_JOB_NAMES: string[] = CRON_JOBS.map((job) => job.name);
