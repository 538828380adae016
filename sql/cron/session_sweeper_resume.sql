-- select * from session_sweeper_resume();                       -- every job of ours
-- select * from session_sweeper_resume('session_sweeper.ghost-sessions-purge'); -- one job
create or replace function session_sweeper.session_sweeper_resume(job text default null)
returns table (jobname text, active boolean)
language sql
-- Runs as the jobs' owner, as session_sweeper_pause does (see there why).
security definer
set search_path = pg_catalog, pg_temp
as $$
  select * from session_sweeper.session_sweeper_set_active(job, true)
$$;
