-- How many sessions the sessions table holds (the operator's page shows it). Reads only.
create or replace function session_sweeper.count_sessions()
returns bigint
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
  total bigint;
begin
  execute format('select count(*) from %s', tables.sessions_table) into total;
  return total;
end
$$;
