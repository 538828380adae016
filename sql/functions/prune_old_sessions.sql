-- Prunes sessions idle for more than `days`, whatever their messages, in one transaction: archived first when
-- archive tables are configured (see prune_old_sessions_batch), then deleted with their messages. Returns how many
-- sessions it pruned; with dry_run, how many it would prune, deleting nothing. The audit row says how many messages
-- went with them (session_purge_log.messages) and whether they were archived.
-- The session_sweeper.old-sessions-prune job uses purge_old_sessions (batches, one commit each) instead.
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
  result record;
begin
  perform session_sweeper.require_integer_at_least('prune_old_sessions', 'days', days);
  if dry_run is null then
    raise exception 'prune_old_sessions: dry_run must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;
  cutoff := now() - make_interval(days => days);

  if dry_run then
    execute format(
      'select count(*)::int as sessions,
              (select count(*)::int from %2$s m where m.session_id in (select id from %1$s where updated_at < $1)) as messages
       from %1$s where updated_at < $1',
      tables.sessions_table, tables.messages_table)
    into result using cutoff;
  else
    result := session_sweeper.prune_old_sessions_batch(cutoff, null);
  end if;
  perform session_sweeper.log_session_purge('prune', make_interval(days => days), dry_run, result.sessions,
    result.messages, tables.archive_sessions_table is not null);
  return result.sessions;
end
$$;
