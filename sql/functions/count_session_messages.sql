-- Trigger function, on the messages table the migration created only (never on adopted tables): keeps the
-- sessions table's message_count and updated_at true when messages come and go. TG_ARGV[0]: the sessions table.
create or replace function session_sweeper.count_session_messages()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  -- When the session itself is being deleted (cascade), the update finds no row and does nothing.
  execute format('update %s set message_count = message_count + $2, updated_at = now() where id = $1', tg_argv[0])
  using case when tg_op = 'INSERT' then new.session_id else old.session_id end,
        case when tg_op = 'INSERT' then 1 else -1 end;
  return null;
end
$$;
