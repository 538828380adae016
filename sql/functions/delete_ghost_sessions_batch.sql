-- The ghost delete itself, shared by delete_ghost_sessions (all at once) and purge_ghost_sessions (in batches):
-- deletes at most max_rows (NULL: all) sessions idle since before cutoff whose message_count is 0 or NULL and
-- that have no row in the messages table. Served by the ghost index (session_sweeper_ghosts_idx).
-- The walk starts at updated_at scan_from and reports in scanned_to how far it went (the updated_at of the last
-- session it locked): a run's next batch starts there instead of walking again past the sessions with messages
-- (Aria's swarm sessions, count 0 but messages) that every earlier batch probed and left.
--
-- Why a session with a message is never deleted, even when the message commits during the purge and its writer
-- never updates message_count (Aria's swarm and roundtable paths), under READ COMMITTED:
-- 1. Every message insert takes a KEY SHARE lock on its session row (the foreign key's check) and holds it until
--    it commits; use_tables refuses a messages table without that foreign key.
-- 2. Statement one locks the candidates FOR UPDATE SKIP LOCKED: a session whose message is being written is
--    skipped; once we hold the lock, no message for that session can commit until we end (a late writer's
--    foreign-key check waits for us, then fails: the insert is refused, never silently lost).
-- 3. Statement two deletes the locked rows after checking again for messages. It is a new statement of a VOLATILE
--    function, so under READ COMMITTED it takes a new snapshot, taken after the locks: it sees every message
--    that committed before we locked. (Statement one's snapshot may predate such a message: hence the recheck.)
--    The rows' own columns need no recheck: nobody can change a row while we hold its lock.
-- Under REPEATABLE READ or SERIALIZABLE the whole transaction shares one snapshot and step 3 would not hold, so
-- the function refuses to run there.
create or replace function session_sweeper.delete_ghost_sessions_batch(
  cutoff timestamptz, max_rows int, scan_from timestamptz default '-infinity', out deleted int, out scanned_to timestamptz
)
language plpgsql
set search_path = pg_catalog, pg_temp
-- The scan must walk the ghost index in updated_at order and stop after max_rows; with the anti-join the planner
-- would otherwise sort every candidate of the backlog (a bitmap scan) for each batch.
set enable_sort = off
-- Statement two looks its rows up by key: a batch that is a good part of a small table would otherwise be found by
-- reading all of it.
set enable_seqscan = off
-- Deleting a session fires the messages foreign key's cascade: one query per session, planned by PostgreSQL inside
-- this function. As an index scan it probes the same messages index as our check; as a bitmap scan it took another
-- one (Aria's (session_id, created_at)), which had to stay in cache as well: 10k ghosts among 100k sessions, cold
-- cache, 980 -> 710 ms (6000 fewer reads).
set enable_bitmapscan = off
as $$
declare
  tables session_sweeper.settings := session_sweeper.current_settings();
  id_array text := session_sweeper.id_array_type(tables.sessions_table);
  candidates text[];
begin
  perform session_sweeper.require_read_committed('the ghost purge');
  -- ORDER BY the index's key: the scan walks the ghost index and stops after max_rows, so every session idle since
  -- before scanned_to was seen. Rows skipped (locked by a writer) do not count toward max_rows and are left for the
  -- next run. Sessions idle since exactly scanned_to may be left by the limit: the next batch starts at it, not after.
  execute format(
    'select array_agg(c.id), max(c.updated_at) from (
       select s.id::text, s.updated_at from %1$s s
       where coalesce(s.message_count, 0) = 0 and s.updated_at >= $3 and s.updated_at < $1
         and not exists (select from %2$s m where m.session_id = s.id)
       order by s.updated_at
       limit $2
       for update of s skip locked) c',
    tables.sessions_table, tables.messages_table)
  into candidates, scanned_to using cutoff, max_rows, scan_from;

  -- By id alone, a key lookup at any table size. (With the ghost index's columns here too, the planner, which
  -- underestimates how many rows that index holds, would scan all of it for every batch; by ctid, it walked the
  -- whole primary key on tables of some 30k rows.)
  execute format(
    'delete from %1$s s
     where s.id = any($1::%3$s)
       and not exists (select from %2$s m where m.session_id = s.id)',
    tables.sessions_table, tables.messages_table, id_array)
  using candidates;
  get diagnostics deleted = row_count;
end
$$;
