-- Our message-count trigger, on the messages table the migration created only (settings.created_tables), never on
-- adopted tables. Replaces v1's trigger and its function in `public`.
do $$
begin
  if exists (select from session_sweeper.settings where 'public.engine_chat_messages' = any(created_tables)) then
    create or replace trigger engine_chat_messages_count
    after insert or delete on public.engine_chat_messages
    for each row execute function session_sweeper.count_session_messages('public.engine_chat_sessions');
  end if;
end
$$;
drop function if exists public.count_session_messages();
