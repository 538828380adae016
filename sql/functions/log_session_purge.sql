-- Appends one row to session_purge_log. Each purge routine calls it just before returning, so the audit row
-- commits or rolls back with the purge itself. ran_at is the start of the calling statement (the cron command,
-- the HTTP query or the psql line); source tells them apart by application_name (pg_cron's background workers
-- have none, their backend type says pg_cron).
-- The purge's commit does not wait for its WAL flush (synchronous_commit off, for this transaction only): after a
-- crash the ghosts of the last run at worst come back and the next run deletes them again. Without this, the audit
-- row alone would make the every-minute run with nothing to delete wait for a disk flush.
create or replace function session_sweeper.log_session_purge(kind text, threshold interval, dry_run boolean, deleted int)
returns void
language sql
as $$
  select set_config('synchronous_commit', 'off', true);
  insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source)
  select statement_timestamp(), clock_timestamp(), kind, threshold, dry_run, deleted,
         coalesce(nullif(current_setting('application_name'), ''), nullif(a.backend_type, 'client backend'), 'unknown')
  from pg_stat_get_activity(pg_backend_pid()) a;
$$;
