import type { MigrationBuilder } from 'node-pg-migrate';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';
import { forEachRoutine, serviceRole } from '../src/service-role.ts';
import { readSqlFile } from '../src/sql-files.ts';

// What the operator's page needs (issue 12): the ghost count (count_ghost_sessions), the audited dry run
// (delete_ghost_sessions gains dry_run, like prune_old_sessions), and pausing/resuming our jobs as the service role.
// The role gets EXECUTE on pause and resume only: they run as the jobs' owner (SECURITY DEFINER) and refuse any
// job but ours; the role still cannot delete, alter cron.job or reschedule.
const JOB_SWITCHES = ['session_sweeper_pause', 'session_sweeper_resume'];

export async function up(pgm: MigrationBuilder): Promise<void> {
  const role = serviceRole();
  pgm.sql(await readSqlFile('functions/count_ghost_sessions.sql'));
  // A new signature: the old one would stay as an overload. The new one needs its grants again.
  pgm.sql('drop function if exists delete_ghost_sessions(int)');
  pgm.sql(await readSqlFile('functions/delete_ghost_sessions.sql'));
  pgm.sql(forEachRoutine(['delete_ghost_sessions'], 'revoke execute on function %s from public'));
  pgm.sql(forEachRoutine(['delete_ghost_sessions'], `grant execute on function %s to ${role}`));
  // The job functions exist only where pg_cron runs (see 1764000000301).
  if (await pgCronIsElsewhere(pgm)) return;
  for (const name of JOB_SWITCHES) pgm.sql(await readSqlFile(`functions/${name}.sql`));
  pgm.sql(forEachRoutine(JOB_SWITCHES, `grant execute on function %s to ${role}`));
}

export function down(pgm: MigrationBuilder): void {
  const role = serviceRole();
  pgm.sql(forEachRoutine(JOB_SWITCHES, `revoke execute on function %s from ${role}`));
  pgm.sql(forEachRoutine(JOB_SWITCHES, 'alter function %s security invoker reset search_path'));
  // The body delete_ghost_sessions had before this migration: the current file has the new signature.
  pgm.sql(`
    drop function delete_ghost_sessions(int, boolean);
    create function delete_ghost_sessions(minutes int)
    returns int
    language plpgsql
    security definer
    set search_path = public, pg_temp
    as $$
    declare
      deleted int;
    begin
      if minutes is null or minutes < 0 then
        raise exception 'delete_ghost_sessions: minutes must be a non-negative integer, got %', coalesce(minutes::text, 'NULL')
          using errcode = 'invalid_parameter_value';
      end if;
      deleted := delete_ghost_sessions_batch(now() - make_interval(mins => minutes), null);
      perform log_session_purge('ghost', make_interval(mins => minutes), false, deleted);
      return deleted;
    end
    $$;
    revoke execute on function delete_ghost_sessions(int) from public;
    grant execute on function delete_ghost_sessions(int) to ${role};
    drop function count_ghost_sessions(int);
  `);
}
