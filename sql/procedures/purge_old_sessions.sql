-- What the session_sweeper.old-sessions-prune job runs: prune_old_sessions(days) in batches of batch_size sessions, committing each
-- (archive copy and delete together), so locks last one batch and a run stopped at any point, even by kill -9 of
-- its backend, has lost nothing and archived nothing twice: the next run finishes the work.
-- CALL it at top level (as pg_cron does). Without SECURITY DEFINER and a SET clause (COMMIT forbids them), so every
-- name in it is schema-qualified.
create or replace procedure session_sweeper.purge_old_sessions(
  days int, batch_size int default 500, inout pruned int default null, inout messages int default null
)
language plpgsql
as $$
declare
  cutoff timestamptz;
  batch record;
begin
  perform session_sweeper.require_integer_at_least('purge_old_sessions', 'days', days);
  perform session_sweeper.require_integer_at_least('purge_old_sessions', 'batch_size', batch_size, 1);
  cutoff := pg_catalog.now() - pg_catalog.make_interval(days => days);

  pruned := 0;
  messages := 0;
  loop
    batch := session_sweeper.prune_old_sessions_batch(cutoff, batch_size);
    pruned := pruned + batch.sessions;
    messages := messages + batch.messages;
    commit;
    exit when batch.sessions < batch_size;
  end loop;
  perform session_sweeper.log_session_purge('prune', pg_catalog.make_interval(days => days), false, pruned, messages,
    (session_sweeper.current_settings()).archive_sessions_table is not null);
end
$$;
