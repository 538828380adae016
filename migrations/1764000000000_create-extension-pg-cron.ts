import type { MigrationBuilder } from 'node-pg-migrate';
import { readSqlFile } from '../src/sql-files.ts';

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(await readSqlFile('checks/require_pg_cron.sql'));
  pgm.sql('create extension if not exists pg_cron');
}

export function down(pgm: MigrationBuilder): void {
  // Keep pg_cron when jobs other than ours still use it.
  pgm.sql(`
    do $$
    begin
      if not exists (select from cron.job) then
        drop extension pg_cron;
      end if;
    end
    $$`);
}
