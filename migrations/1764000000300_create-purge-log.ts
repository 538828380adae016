import type { MigrationBuilder } from 'node-pg-migrate';
import { readSqlFile } from '../src/sql-files.ts';

// The purge audit: one row per call of delete_ghost_sessions / prune_old_sessions, written by the functions.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    create table session_purge_log (
      id bigint generated always as identity primary key,
      ran_at timestamptz not null,
      finished_at timestamptz not null,
      kind text not null check (kind in ('ghost', 'prune')),
      threshold interval not null,
      dry_run boolean not null,
      deleted int not null check (deleted >= 0),
      duration interval generated always as (finished_at - ran_at) stored,
      source text not null
    );
    create index session_purge_log_finished_at_idx on session_purge_log (finished_at);
  `);
  pgm.sql(await readSqlFile('functions/log_session_purge.sql'));
  pgm.sql(await readSqlFile('functions/delete_old_purge_log.sql'));
  pgm.sql(await readSqlFile('views/session_sweeper_stats.sql'));
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql(`
    drop view session_sweeper_stats;
    drop function delete_old_purge_log(int);
    drop function log_session_purge(text, interval, boolean, int);
    drop table session_purge_log;
  `);
}
