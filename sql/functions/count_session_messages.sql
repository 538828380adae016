-- Trigger function: keeps engine_chat_sessions.message_count and updated_at true when messages come and go.
create or replace function count_session_messages()
returns trigger
language plpgsql
as $$
begin
  if tg_op = 'INSERT' then
    update engine_chat_sessions
    set message_count = message_count + 1, updated_at = now()
    where id = new.session_id;
  else
    -- When the session itself is being deleted (cascade), this update finds no row and does nothing.
    update engine_chat_sessions
    set message_count = message_count - 1, updated_at = now()
    where id = old.session_id;
  end if;
  return null;
end
$$;
