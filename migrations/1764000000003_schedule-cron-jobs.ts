import type { MigrationBuilder } from 'node-pg-migrate';

// Every minute, not every 10: a ghost then lives at most 15 min idle + 1 min until the next run (~16 min),
// which keeps the "no ghost after 15 minutes" promise. A 10-minute cadence would allow ~25 minutes.
export function up(pgm: MigrationBuilder): void {
  pgm.sql(`
    select cron.schedule('ghost-sessions-purge', '* * * * *', 'SELECT delete_ghost_sessions(15)');
    select cron.schedule('old-sessions-prune', '0 */6 * * *', 'SELECT prune_old_sessions(30)');
    select cron.schedule('cron-history-cleanup', '30 3 * * *', 'SELECT delete_old_cron_history(7)');
  `);
}

export function down(pgm: MigrationBuilder): void {
  // cron.unschedule(name) fails for a missing job, so only unschedule the ones that exist.
  pgm.sql(`
    select cron.unschedule(jobid)
    from cron.job
    where jobname in ('ghost-sessions-purge', 'old-sessions-prune', 'cron-history-cleanup');
  `);
}
