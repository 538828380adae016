-- Frozen. delete_ghost_sessions_batch took (cutoff, max_rows) in the release of 2026-11-26; its file now declares
-- (cutoff, max_rows, scan_from) and reports how far its walk went, so that purge_ghost_sessions's batches do not walk
-- again past the sessions with messages. CREATE OR REPLACE would add the new one beside the old: drop the old.
-- The same `migrate up` installs the new one right after, in its next transaction; a ghost job run that starts in
-- between fails (cron.job_run_details says so) and the next minute's run uses the new routines.

-- Up Migration

drop function if exists session_sweeper.delete_ghost_sessions_batch(timestamptz, int);

-- Down Migration

-- The three-argument one goes, with the record that its file was applied, so that the `migrate up` of either release
-- installs its own (beside the old one, the new one's default would make every two-argument call ambiguous).
drop function if exists session_sweeper.delete_ghost_sessions_batch(timestamptz, int, timestamptz);
delete from session_sweeper.sql_file_checksums where file = 'functions/delete_ghost_sessions_batch.sql';
