-- Deletes sessions that never received a message and have been idle for more than `minutes`.
-- Idleness is measured on updated_at with the database clock, so app-server clock skew cannot matter.
create or replace function delete_ghost_sessions(minutes int)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = public, pg_temp
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

  -- SKIP LOCKED: a session a writer holds (e.g. its first message is being inserted) is left for the next run.
  -- The predicate is repeated in the DELETE so a row is re-checked under its lock: a session that gained a
  -- message after our snapshot is never deleted.
  with ghosts as (
    select id
    from engine_chat_sessions
    where message_count = 0 and updated_at < cutoff
    for update skip locked
  )
  delete from engine_chat_sessions s
  using ghosts
  where s.id = ghosts.id and s.message_count = 0 and s.updated_at < cutoff;

  get diagnostics deleted = row_count;
  perform log_session_purge('ghost', make_interval(mins => minutes), false, deleted);
  return deleted;
end
$$;
