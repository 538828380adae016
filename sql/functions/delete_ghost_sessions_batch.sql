-- The ghost delete itself, shared by delete_ghost_sessions (all at once) and purge_ghost_sessions (in batches):
-- deletes at most max_rows (NULL: all) sessions with no message whose updated_at is before cutoff.
-- Served by engine_chat_sessions_ghosts_idx, so a run with nothing to delete reads a couple of index pages.
create or replace function delete_ghost_sessions_batch(cutoff timestamptz, max_rows int)
returns int
language plpgsql
as $$
declare
  deleted int;
begin
  -- ORDER BY the index's key: the scan walks the ghost index and stops after max_rows. Without it, the planner may
  -- pick a sequential scan expecting to meet ghosts early, and read the whole table for each batch.
  -- SKIP LOCKED: a session a writer holds (e.g. its first message is being inserted) is left for the next run,
  -- and rows skipped do not count toward max_rows. Rows are then deleted by ctid (the rows just locked, no
  -- primary-key lookup), and the predicate is repeated so a row is re-checked under its lock: a session that
  -- gained a message after our snapshot is never deleted.
  delete from engine_chat_sessions
  where ctid = any(array(
      select ctid
      from engine_chat_sessions
      where message_count = 0 and updated_at < cutoff
      order by updated_at
      limit max_rows
      for update skip locked
    ))
    and message_count = 0 and updated_at < cutoff;

  get diagnostics deleted = row_count;
  return deleted;
end
$$;
