-- select * from session_sweeper_pause();                       -- every job of ours
-- select * from session_sweeper_pause('session_sweeper.ghost-sessions-purge'); -- one job
create or replace function session_sweeper.session_sweeper_pause(job text default null)
returns table (jobname text, active boolean)
language sql
-- Runs as the jobs' owner, so the service role can pause and resume our jobs (POST /api/engine/jobs/:job/pause and
-- /resume) with EXECUTE on this function alone: pg_cron lets only a job's owner alter it, and
-- session_sweeper_set_active refuses any other job.
security definer
set search_path = pg_catalog, pg_temp
as $$
  select * from session_sweeper.session_sweeper_set_active(job, false)
$$;
