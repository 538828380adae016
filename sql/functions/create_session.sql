-- Opens a session in the sessions table (for POST /api/engine/sessions); other columns take their defaults.
-- SECURITY DEFINER: the service role needs no rights on the tables.
create or replace function session_sweeper.create_session(new_agent_id text, new_title text)
returns table (id uuid, agent_id text, title text, message_count int, created_at timestamptz, updated_at timestamptz)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  return query execute format(
    'insert into %s (agent_id, title) values ($1, $2)
     returning id, agent_id::text, title::text, coalesce(message_count, 0)::int, created_at, updated_at',
    (session_sweeper.current_settings()).sessions_table) using $1, $2;
end
$$;
