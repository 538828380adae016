-- Frozen. delete_ghost_sessions_batch took (cutoff, max_rows) in the release of 2026-11-26; its file now declares
-- (cutoff, max_rows, scan_from) and reports how far its walk went, so that purge_ghost_sessions's batches do not walk
-- again past the sessions with messages. CREATE OR REPLACE would add the new one beside the old: drop the old.

-- Up Migration

drop function if exists session_sweeper.delete_ghost_sessions_batch(timestamptz, int);

-- Down Migration

-- Nothing: the routines are the repeatable files' (sql/), and the release before this one reinstalls its own.
