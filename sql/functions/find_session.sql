-- One session of the sessions table, or no row (for GET /api/engine/sessions/:id).
-- SECURITY DEFINER: the service role needs no rights on the tables.
create or replace function session_sweeper.find_session(session_id uuid)
returns table (id uuid, agent_id text, title text, message_count int, created_at timestamptz, updated_at timestamptz)
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query execute format(
    'select id, agent_id::text, title::text, coalesce(message_count, 0)::int, created_at, updated_at from %s where id = $1',
    (session_sweeper.current_settings()).sessions_table) using $1;
end
$$;
