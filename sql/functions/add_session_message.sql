-- Adds a message to a session; returns it, or no row when the session does not exist (never did, or was purged).
-- The session is read under a KEY SHARE lock first: a purge that holds the session first wins (no row here, so
-- no foreign-key error), one that comes later skips the locked row.
-- On adopted tables (no count trigger of ours) it bumps message_count and updated_at itself, once, as Aria's
-- add_message does; on the tables the migration created, the trigger does it.
-- SECURITY DEFINER: the service role needs no rights on the tables. The fixed search_path keeps callers from
-- substituting objects.
create or replace function session_sweeper.add_session_message(for_session uuid, message_role text, message_content text)
returns table (id text, session_id uuid, role text, content text, created_at timestamptz)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
  sessions_found int;
begin
  execute format('select from %s where id = $1 for key share', tables.sessions_table) using for_session;
  get diagnostics sessions_found = row_count;
  if sessions_found = 0 then
    return;
  end if;
  return query execute format(
    'insert into %s (session_id, role, content) values ($1, $2, $3)
     returning id::text, session_id, role::text, content, created_at',
    tables.messages_table) using for_session, message_role, message_content;
  if not session_sweeper.counts_messages_by_trigger(tables) then
    execute format(
      'update %s set message_count = coalesce(message_count, 0) + 1, updated_at = now() where id = $1',
      tables.sessions_table) using for_session;
  end if;
end
$$;
