-- select * from session_sweeper_pause();                       -- every job of ours
-- select * from session_sweeper_pause('ghost-sessions-purge'); -- one job
create or replace function session_sweeper.session_sweeper_pause(job text default null)
returns table (jobname text, active boolean)
language sql
as $$
  select * from session_sweeper.session_sweeper_set_active(job, false)
$$;
