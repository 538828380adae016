-- Deletes (or with dry_run, only counts) sessions that never received a message and have been idle for more than
-- `minutes`, in one transaction.
-- Idleness is measured on updated_at with the database clock, so app-server clock skew cannot matter.
-- The every-minute cron job uses purge_ghost_sessions (batches, one commit each) instead; see README.
create or replace function delete_ghost_sessions(minutes int, dry_run boolean default false)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
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
  if dry_run is null then
    raise exception 'delete_ghost_sessions: dry_run must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;

  if dry_run then
    select c.ghosts into deleted from count_ghost_sessions(minutes) c;
  else
    deleted := delete_ghost_sessions_batch(now() - make_interval(mins => minutes), null);
  end if;
  perform log_session_purge('ghost', make_interval(mins => minutes), dry_run, deleted);
  return deleted;
end
$$;
