-- Adds a message to a session; returns it, or no row when the session does not exist (never did, or was purged).
-- The insert reads the session under a KEY SHARE lock: a purge that holds the session first wins (no row here, so
-- no foreign-key error), one that comes later skips the locked row.
-- SECURITY DEFINER: the service role may call this without INSERT on messages nor UPDATE on sessions (which the
-- lock and the message_count trigger need). The fixed search_path keeps callers from substituting objects.
create or replace function add_session_message(session_id uuid, role text, content text)
returns setof engine_chat_messages
language sql
security definer
set search_path = public, pg_temp
as $$
  insert into engine_chat_messages (session_id, role, content)
  select s.id, $2, $3 from engine_chat_sessions s where s.id = $1 for key share
  returning *;
$$;
