-- Deletes (or with dry_run, only counts) sessions idle for more than `days`, whatever their messages.
create or replace function session_sweeper.prune_old_sessions(days int default 30, dry_run boolean default false)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
  cutoff timestamptz;
  affected int;
begin
  perform session_sweeper.require_non_negative('prune_old_sessions', 'days', days);
  if dry_run is null then
    raise exception 'prune_old_sessions: dry_run must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;
  cutoff := now() - make_interval(days => days);

  if dry_run then
    execute format('select count(*) from %s where updated_at < $1', tables.sessions_table) into affected using cutoff;
  else
    execute format('delete from %s where updated_at < $1', tables.sessions_table) using cutoff;
    get diagnostics affected = row_count;
  end if;
  perform session_sweeper.log_session_purge('prune', make_interval(days => days), dry_run, affected);
  return affected;
end
$$;
