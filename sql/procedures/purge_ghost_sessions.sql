-- What the every-minute cron job runs: the ghost delete in batches of at most batch_size, committing each, so row
-- locks are held for one batch only and a large backlog keeps its progress if the run is stopped.
-- CALL it at top level (as pg_cron does), not inside BEGIN ... COMMIT or from a function: COMMIT needs that.
-- Must stay without SECURITY DEFINER and without a SET clause (PostgreSQL forbids COMMIT in such procedures), so
-- every name in it is schema-qualified.
-- Under the rate limit (session_sweeper.ghosts_per_second) a batch is at most a third of a second's worth of it:
-- deleting a ghost writes a few kB of WAL (its pages' first images after a checkpoint), and a writer that commits
-- while a batch runs waits for that WAL's flush too, so the bursts stay small as well as the average.
create or replace procedure session_sweeper.purge_ghost_sessions(
  minutes int default session_sweeper.ghost_idle_minutes(), batch_size int default 5000, inout deleted int default null)
language plpgsql
as $$
declare
  cutoff timestamptz;
  pause_ms int;
  rate int;
  batch_limit int;
  started timestamptz;
  batch_deleted int;
  scan_from timestamptz := '-infinity';
begin
  perform session_sweeper.require_integer_at_least('purge_ghost_sessions', 'minutes', minutes);
  perform session_sweeper.require_integer_at_least('purge_ghost_sessions', 'batch_size', batch_size, 1);
  pause_ms := session_sweeper.batch_pause_ms();
  rate := session_sweeper.ghosts_per_second();
  batch_limit := case when rate > 0 then least(batch_size, greatest(rate / 3, 1)) else batch_size end;
  -- One cutoff for the whole run: sessions that become idle enough meanwhile wait for the next run.
  cutoff := pg_catalog.now() - pg_catalog.make_interval(mins => minutes);

  deleted := 0;
  -- Each batch starts where the last one stopped in the ghost index (see delete_ghost_sessions_batch).
  loop
    started := pg_catalog.clock_timestamp();
    select b.deleted, b.scanned_to into batch_deleted, scan_from
    from session_sweeper.delete_ghost_sessions_batch(cutoff, batch_limit, scan_from) b;
    deleted := deleted + batch_deleted;
    commit;
    -- Progress, and how long the batch held its row locks (log_min_messages = debug1 shows it).
    raise debug 'purge_ghost_sessions: batch of % ghosts in % ms', batch_deleted,
      round(extract(epoch from pg_catalog.clock_timestamp() - started) * 1000);
    -- A short batch means the backlog is gone (rows a writer held are left for the next run).
    exit when batch_deleted < batch_limit;
    -- The batch's share of a second under the rate limit, counting the time it took; never less than the pause.
    perform pg_catalog.pg_sleep(greatest(pause_ms / 1000.0, case when rate > 0
      then batch_deleted::numeric / rate - extract(epoch from pg_catalog.clock_timestamp() - started) else 0 end));
  end loop;
  perform session_sweeper.log_session_purge('ghost', pg_catalog.make_interval(mins => minutes), false, deleted);
end
$$;
