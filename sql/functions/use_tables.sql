-- Records which tables hold the chat sessions and their messages (SESSIONS_TABLE, MESSAGES_TABLE, and the
-- optional archive pair), after checking that they have what the purge relies on, and adds the indexes it needs.
-- Called by `migrate up`; an operator may call it in psql too. Names may be schema-qualified; unqualified ones are
-- resolved with the caller's search_path, and recorded qualified, so the cron jobs need no search_path.
-- Indexes are added only where missing, named session_sweeper_* in the table's schema (build them CONCURRENTLY by
-- hand first on a large live table, see docs/aria.md): the ghost index; an updated_at index for the 30-day prune
-- and a session_id index on messages unless an index already starts with that column.
-- The tables themselves are never altered: no column, constraint or trigger is added.
create or replace function session_sweeper.use_tables(
  sessions_table text,
  messages_table text,
  archive_sessions_table text default null,
  archive_messages_table text default null
)
returns session_sweeper.settings
language plpgsql
as $$
declare
  sessions regclass := session_sweeper.require_table(sessions_table, 'SESSIONS_TABLE', array['id', 'message_count', 'updated_at']);
  messages regclass := session_sweeper.require_table(messages_table, 'MESSAGES_TABLE', array['id', 'session_id']);
  archive_sessions regclass := session_sweeper.require_table(archive_sessions_table, 'ARCHIVE_SESSIONS_TABLE', array['id']);
  archive_messages regclass := session_sweeper.require_table(archive_messages_table, 'ARCHIVE_MESSAGES_TABLE', array['id', 'session_id']);
  recorded session_sweeper.settings;
begin
  if (archive_sessions is null) <> (archive_messages is null) then
    raise exception 'ARCHIVE_SESSIONS_TABLE and ARCHIVE_MESSAGES_TABLE go together: set both or neither'
      using errcode = 'invalid_parameter_value';
  end if;
  -- A message insert locks its session (the foreign key's KEY SHARE lock): the ghost purge's guarantee that it
  -- never deletes a session whose message committed meanwhile rests on that lock (see delete_ghost_sessions_batch).
  if not exists (
    select from pg_constraint c
    where c.contype = 'f' and c.conrelid = messages and c.confrelid = sessions
      and c.conkey = array[(select attnum from pg_attribute where attrelid = messages and attname = 'session_id')]
  ) then
    raise exception 'MESSAGES_TABLE % has no foreign key from session_id to SESSIONS_TABLE %', messages, sessions
      using errcode = 'invalid_parameter_value',
            hint = 'session-sweeper relies on that key to never delete a session whose first message is being written.';
  end if;

  insert into session_sweeper.settings as s (sessions_table, messages_table, archive_sessions_table, archive_messages_table)
  values (session_sweeper.qualified_name(sessions), session_sweeper.qualified_name(messages),
          session_sweeper.qualified_name(archive_sessions), session_sweeper.qualified_name(archive_messages))
  on conflict (singleton) do update
    set sessions_table = excluded.sessions_table, messages_table = excluded.messages_table,
        archive_sessions_table = excluded.archive_sessions_table, archive_messages_table = excluded.archive_messages_table,
        recorded_at = now()
    where (s.sessions_table, s.messages_table, s.archive_sessions_table, s.archive_messages_table)
      is distinct from (excluded.sessions_table, excluded.messages_table, excluded.archive_sessions_table, excluded.archive_messages_table);
  select * into recorded from session_sweeper.settings;

  execute format('create index if not exists session_sweeper_ghosts_idx on %s (updated_at) where coalesce(message_count, 0) = 0', sessions);
  if not session_sweeper.has_index_starting_with(sessions, 'updated_at') then
    execute format('create index session_sweeper_updated_at_idx on %s (updated_at)', sessions);
  end if;
  if not session_sweeper.has_index_starting_with(messages, 'session_id') then
    execute format('create index session_sweeper_session_id_idx on %s (session_id)', messages);
  end if;
  return recorded;
end
$$;
