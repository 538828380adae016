import type { MigrationBuilder } from 'node-pg-migrate';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';
import { readSqlFile } from '../src/sql-files.ts';

// The cron job keeps its name and schedule; only its command changes, to the procedure that commits per batch.
const jobCommand = (command: string) =>
  `select cron.alter_job(jobid, command => '${command}') from cron.job where jobname = 'ghost-sessions-purge'`;

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(await readSqlFile('functions/delete_ghost_sessions_batch.sql'));
  pgm.sql(await readSqlFile('procedures/purge_ghost_sessions.sql'));
  // delete_ghost_sessions itself now delegates to delete_ghost_sessions_batch (applied from its file after up).
  // With pg_cron in another database (CRON_DATABASE) there is no cron.job here: migrate() schedules from there.
  if (!(await pgCronIsElsewhere(pgm))) pgm.sql(jobCommand('CALL purge_ghost_sessions(15)'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  if (!(await pgCronIsElsewhere(pgm))) pgm.sql(jobCommand('SELECT delete_ghost_sessions(15)'));
  // The body delete_ghost_sessions had before this migration: the current file calls the function dropped below.
  pgm.sql(`
    create or replace function delete_ghost_sessions(minutes int)
    returns int
    language plpgsql
    as $$
    declare
      cutoff timestamptz;
      deleted int;
    begin
      if minutes is null or minutes < 0 then
        raise exception 'delete_ghost_sessions: minutes must be a non-negative integer, got %', coalesce(minutes::text, 'NULL')
          using errcode = 'invalid_parameter_value';
      end if;
      cutoff := now() - make_interval(mins => minutes);
      with ghosts as (
        select id from engine_chat_sessions where message_count = 0 and updated_at < cutoff for update skip locked
      )
      delete from engine_chat_sessions s
      using ghosts
      where s.id = ghosts.id and s.message_count = 0 and s.updated_at < cutoff;
      get diagnostics deleted = row_count;
      return deleted;
    end
    $$;
    drop procedure purge_ghost_sessions(int, int, int);
    drop function delete_ghost_sessions_batch(timestamptz, int);
  `);
}
