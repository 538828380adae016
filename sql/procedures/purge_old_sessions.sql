-- What the session_sweeper.old-sessions-prune job runs: prune_old_sessions(days) in batches of batch_size sessions, committing each
-- (archive copy and delete together), so locks last one batch and a run stopped at any point, even by kill -9 of
-- its backend, has lost nothing and archived nothing twice: the next run finishes the work.
-- CALL it at top level (as pg_cron does). Without SECURITY DEFINER and a SET clause (COMMIT forbids them), so every
-- name in it is schema-qualified.
create or replace procedure session_sweeper.purge_old_sessions(
  days int, batch_size int default 200, inout pruned int default null, inout messages int default null
)
language plpgsql
as $$
declare
  cutoff timestamptz;
  pause_ms int;
  started timestamptz;
  batch record;
begin
  perform session_sweeper.require_integer_at_least('purge_old_sessions', 'days', days);
  perform session_sweeper.require_integer_at_least('purge_old_sessions', 'batch_size', batch_size, 1);
  pause_ms := session_sweeper.batch_pause_ms();
  cutoff := pg_catalog.now() - pg_catalog.make_interval(days => days);

  pruned := 0;
  messages := 0;
  loop
    started := pg_catalog.clock_timestamp();
    batch := session_sweeper.prune_old_sessions_batch(cutoff, batch_size);
    pruned := pruned + batch.sessions;
    messages := messages + batch.messages;
    commit;
    -- Progress, and how long the batch held its row locks (log_min_messages = debug1 shows it).
    raise debug 'purge_old_sessions: batch of % sessions, % messages in % ms', batch.sessions, batch.messages,
      round(extract(epoch from pg_catalog.clock_timestamp() - started) * 1000);
    exit when batch.sessions < batch_size;
    perform pg_catalog.pg_sleep(pause_ms / 1000.0);
  end loop;
  perform session_sweeper.log_session_purge('prune', pg_catalog.make_interval(days => days), false, pruned, messages,
    (session_sweeper.current_settings()).archive_sessions_table is not null);
end
$$;
