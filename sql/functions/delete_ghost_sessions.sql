-- Deletes (or with dry_run, only counts, as count_ghost_sessions does) ghost sessions (no message, idle for more
-- than `minutes`) in one transaction; see
-- delete_ghost_sessions_batch for what counts as a ghost and why a session with a message is never deleted.
-- Idleness is measured on updated_at with the database clock, so app-server clock skew cannot matter.
-- The every-minute cron job uses purge_ghost_sessions (batches, one commit each) instead.
create or replace function session_sweeper.delete_ghost_sessions(
  minutes int default session_sweeper.ghost_idle_minutes(), dry_run boolean default false
)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  deleted int;
begin
  perform session_sweeper.require_integer_at_least('delete_ghost_sessions', 'minutes', minutes);
  if dry_run is null then
    raise exception 'delete_ghost_sessions: dry_run must be true or false, got NULL' using errcode = 'invalid_parameter_value';
  end if;
  if dry_run then
    select c.pending into deleted from session_sweeper.count_ghost_sessions(minutes) c;
  else
    select b.deleted into deleted
    from session_sweeper.delete_ghost_sessions_batch(now() - make_interval(mins => minutes), null) b;
  end if;
  perform session_sweeper.log_session_purge('ghost', make_interval(mins => minutes), dry_run, deleted);
  return deleted;
end
$$;
