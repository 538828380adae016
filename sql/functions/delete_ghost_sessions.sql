-- Deletes sessions that never received a message and have been idle for more than `minutes`, in one transaction.
-- Idleness is measured on updated_at with the database clock, so app-server clock skew cannot matter.
-- The every-minute cron job uses purge_ghost_sessions (batches, one commit each) instead; see README.
create or replace function delete_ghost_sessions(minutes int)
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

  deleted := delete_ghost_sessions_batch(now() - make_interval(mins => minutes), null);
  perform log_session_purge('ghost', make_interval(mins => minutes), false, deleted);
  return deleted;
end
$$;
