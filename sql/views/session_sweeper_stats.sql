-- One row: how the purge keeps up, for DBAs in psql and for GET /metrics.
-- ghosts_pending counts ghosts (see delete_ghost_sessions_batch) idle for longer than ghost_idle_minutes(), the
-- promise of the ghost job: what its next run deletes. purge_lag is how far the oldest ghost is past that promise:
-- above a minute or two, the purge is falling behind.
-- It reads the sessions table through a function, so no view of ours depends on (and pins) an adopted table.
-- create or replace view can only add columns at the end: to drop or reorder one, drop the view first in this file
-- (migrate up grants it again).
create or replace view session_sweeper.session_sweeper_stats as
select
  ghosts.pending as ghosts_pending,
  ghosts.oldest_age as oldest_ghost_age,
  greatest(ghosts.oldest_age - make_interval(mins => session_sweeper.ghost_idle_minutes()), interval '0') as purge_lag,
  audit.deleted_last_hour,
  audit.deleted_last_day,
  last_purge.finished_at as last_purge_at,
  last_purge.kind as last_purge_kind,
  last_purge.deleted as last_purge_deleted,
  last_purge.source as last_purge_source
from session_sweeper.count_ghost_sessions() ghosts
cross join (
  select
    coalesce(sum(deleted) filter (where finished_at > now() - interval '1 hour'), 0) as deleted_last_hour,
    coalesce(sum(deleted), 0) as deleted_last_day
  from session_sweeper.session_purge_log
  where not dry_run and finished_at > now() - interval '1 day'
) audit
left join lateral (
  select finished_at, kind, deleted, source from session_sweeper.session_purge_log where not dry_run order by finished_at desc limit 1
) last_purge on true;
