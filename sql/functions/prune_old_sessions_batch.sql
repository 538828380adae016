-- The 30-day prune itself, shared by prune_old_sessions (all at once) and purge_old_sessions (in batches): takes at
-- most max_rows (NULL: all) sessions idle since before cutoff, copies each with all its messages into the archive
-- tables when they are configured (the columns both sides share, by name; archive-only columns such as archived_at
-- take their defaults; ON CONFLICT (id) DO NOTHING, so a retry never archives twice), then deletes the messages and
-- the sessions. Returns how many sessions and messages it removed.
--
-- Never half a conversation: the sessions are locked FOR UPDATE first, and every message insert takes a KEY SHARE
-- lock on its session (the foreign key's check), so once we hold the lock no message can join the session until we
-- end (a late writer's insert is refused: a foreign-key error, a 404 from our API). The copies are later statements
-- of this VOLATILE function, so under READ COMMITTED their snapshot, taken after the locks, sees every message that
-- committed before: the copy holds all of them. Hence READ COMMITTED is required, as for the ghost purge.
create or replace function session_sweeper.prune_old_sessions_batch(
  cutoff timestamptz, max_rows int, out sessions int, out messages int
)
language plpgsql
set search_path = pg_catalog, pg_temp
-- Every statement here, and the foreign-key checks they fire, looks rows up by key. The checks' plans are made once
-- per connection, at the first batch: made while a new archive table is nearly empty, they would scan it for every
-- message of every later batch (measured: 5.6 s instead of 1.5 s for 3000 conversations in batches of 100).
set enable_seqscan = off
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
  -- The ids travel as text (not ctids: on our own tables the count trigger updates a session while its messages
  -- are deleted).
  id_array text := session_sweeper.id_array_type(tables.sessions_table);
  locked text[];
  of_locked text;
begin
  perform session_sweeper.require_read_committed('the prune');
  execute format(
    'select array(select id::text from %s where updated_at < $1 order by updated_at limit $2 for update skip locked)',
    tables.sessions_table)
  into locked using cutoff, max_rows;
  of_locked := format('session_id = any($1::%s)', id_array);

  if tables.archive_sessions_table is not null then
    execute format('insert into %s (%s) select %2$s from %s where id = any($1::%s) on conflict (id) do nothing',
      tables.archive_sessions_table,
      session_sweeper.shared_columns(tables.sessions_table, tables.archive_sessions_table), tables.sessions_table, id_array)
    using locked;
    execute format('insert into %s (%s) select %2$s from %s where %s on conflict (id) do nothing',
      tables.archive_messages_table,
      session_sweeper.shared_columns(tables.messages_table, tables.archive_messages_table), tables.messages_table, of_locked)
    using locked;
  end if;
  execute format('delete from %s where %s', tables.messages_table, of_locked) using locked;
  get diagnostics messages = row_count;
  execute format('delete from %s where id = any($1::%s)', tables.sessions_table, id_array) using locked;
  get diagnostics sessions = row_count;
end
$$;
