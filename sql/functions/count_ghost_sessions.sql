-- How many ghosts (as delete_ghost_sessions_batch defines them) are idle for more than `minutes`, and the age of
-- the oldest ghost of any age (NULL when there is none). Deletes nothing.
create or replace function session_sweeper.count_ghost_sessions(
  minutes int default session_sweeper.ghost_idle_minutes(), out pending bigint, out oldest_age interval)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
begin
  perform session_sweeper.require_integer_at_least('count_ghost_sessions', 'minutes', minutes);
  execute format(
    'select count(*) filter (where s.updated_at < now() - make_interval(mins => $1)), now() - min(s.updated_at)
     from %1$s s
     where coalesce(s.message_count, 0) = 0 and not exists (select from %2$s m where m.session_id = s.id)',
    tables.sessions_table, tables.messages_table)
  into pending, oldest_age using minutes;
end
$$;
