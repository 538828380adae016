import type { MigrationBuilder } from 'node-pg-migrate';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';
import { readSqlFile } from '../src/sql-files.ts';

const files = [
  'functions/interval_in_words.sql',
  'functions/cron_field_values.sql',
  'functions/cron_schedule_next_run.sql',
  'functions/session_sweeper_job_names.sql',
  'views/session_sweeper_jobs.sql',
  'functions/session_sweeper_set_active.sql',
  'functions/session_sweeper_pause.sql',
  'functions/session_sweeper_resume.sql',
  'functions/session_sweeper_set_schedule.sql',
];

// The jobs view and the pause/resume/schedule functions read and alter cron.job: they exist only where
// pg_cron runs. With pg_cron in another database (CRON_DATABASE), DBAs use cron.job and cron.alter_job there.
export async function up(pgm: MigrationBuilder): Promise<void> {
  if (await pgCronIsElsewhere(pgm)) return;
  for (const file of files) pgm.sql(await readSqlFile(file));
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql(`
    drop function if exists session_sweeper_set_schedule(text, text);
    drop function if exists session_sweeper_resume(text);
    drop function if exists session_sweeper_pause(text);
    drop function if exists session_sweeper_set_active(text, boolean);
    drop view if exists session_sweeper_jobs;
    drop function if exists session_sweeper_job_names();
    drop function if exists cron_schedule_next_run(text, timestamptz);
    drop function if exists cron_field_values(text, int, int);
    drop function if exists interval_in_words(interval);
  `);
}
