-- Deletes (or with dry_run, only counts) sessions idle for more than `days`, whatever their messages.
create or replace function prune_old_sessions(days int default 30, dry_run boolean default false)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = public, pg_temp
as $$
declare
  cutoff timestamptz;
  affected int;
begin
  if days is null or days < 0 then
    raise exception 'prune_old_sessions: days must be a non-negative integer, got %', coalesce(days::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  if dry_run is null then
    raise exception 'prune_old_sessions: dry_run must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;
  cutoff := now() - make_interval(days => days);

  if dry_run then
    select count(*) into affected from engine_chat_sessions where updated_at < cutoff;
  else
    delete from engine_chat_sessions where updated_at < cutoff;
    get diagnostics affected = row_count;
  end if;
  perform log_session_purge('prune', make_interval(days => days), dry_run, affected);
  return affected;
end
$$;
