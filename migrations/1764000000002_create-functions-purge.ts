import type { MigrationBuilder } from 'node-pg-migrate';
import { readSqlFile } from '../src/sql-files.ts';

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(await readSqlFile('functions/delete_ghost_sessions.sql'));
  pgm.sql(await readSqlFile('functions/prune_old_sessions.sql'));
  pgm.sql(await readSqlFile('functions/delete_old_cron_history.sql'));
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql(`
    drop function delete_ghost_sessions(int);
    drop function prune_old_sessions(int, boolean);
    drop function delete_old_cron_history(int);
  `);
}
