import type { MigrationBuilder } from 'node-pg-migrate';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';
import { serviceRole } from '../src/service-role.ts';
import { readSqlFile } from '../src/sql-files.ts';

// What the operator's page needs (issue 12), for databases migrated before it (a fresh one gets the files' bodies
// from 1764000000500): count_sessions, delete_ghost_sessions gains dry_run (counted and audited, like
// prune_old_sessions), and the
// service role may pause and resume our jobs. It gets EXECUTE on pause and resume only: they run as the jobs' owner
// (SECURITY DEFINER, pg_cron lets only a job's owner alter it) and refuse any job but ours; the role still has no
// right on cron.job and cannot reschedule.
const JOB_SWITCHES = ['session_sweeper_pause(text)', 'session_sweeper_resume(text)'];

export async function up(pgm: MigrationBuilder): Promise<void> {
  const role = serviceRole();
  pgm.sql(await readSqlFile('functions/count_sessions.sql'));
  pgm.sql(`grant execute on function session_sweeper.count_sessions() to ${role}`);
  // A new signature: the old one would stay as an overload. The new one needs its grant again.
  pgm.sql('drop function if exists session_sweeper.delete_ghost_sessions(int)');
  pgm.sql(await readSqlFile('functions/delete_ghost_sessions.sql'));
  pgm.sql(`grant execute on function session_sweeper.delete_ghost_sessions(int, boolean) to ${role}`);
  // The job functions exist only where pg_cron runs.
  if (await pgCronIsElsewhere(pgm)) return;
  for (const routine of JOB_SWITCHES) {
    pgm.sql(await readSqlFile(`functions/${routine.replace('(text)', '')}.sql`));
    pgm.sql(`grant execute on function session_sweeper.${routine} to ${role}`);
  }
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  const role = serviceRole();
  if (!(await pgCronIsElsewhere(pgm))) {
    for (const routine of JOB_SWITCHES) {
      pgm.sql(`revoke execute on function session_sweeper.${routine} from ${role}`);
      pgm.sql(`alter function session_sweeper.${routine} security invoker reset search_path`);
    }
  }
  // The body delete_ghost_sessions had before this migration: the current file has the new signature.
  pgm.sql(`
    drop function session_sweeper.delete_ghost_sessions(int, boolean);
    create function session_sweeper.delete_ghost_sessions(minutes int)
    returns int
    language plpgsql
    security definer
    set search_path = pg_catalog, pg_temp
    as $$
    declare
      deleted int;
    begin
      perform session_sweeper.require_non_negative('delete_ghost_sessions', 'minutes', minutes);
      deleted := session_sweeper.delete_ghost_sessions_batch(now() - make_interval(mins => minutes), null);
      perform session_sweeper.log_session_purge('ghost', make_interval(mins => minutes), false, deleted);
      return deleted;
    end
    $$;
    grant execute on function session_sweeper.delete_ghost_sessions(int) to ${role};
    drop function session_sweeper.count_sessions();
  `);
}
