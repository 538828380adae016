import type { MigrationBuilder } from 'node-pg-migrate';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';
import { readSqlFile } from '../src/sql-files.ts';

// With pg_cron in another database (CRON_DATABASE), migrate() checks and creates it there instead.
export async function up(pgm: MigrationBuilder): Promise<void> {
  if (await pgCronIsElsewhere(pgm)) return;
  pgm.sql(await readSqlFile('checks/require_pg_cron.sql'));
  pgm.sql('create extension if not exists pg_cron');
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  if (await pgCronIsElsewhere(pgm)) return;
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
