-- Our pg_cron jobs at a glance, for DBAs in psql and for GET /api/engine/jobs.
-- create or replace view can only add columns at the end: to drop or reorder one, drop the view first in this file
-- (migrate up grants it again).
create or replace view session_sweeper.session_sweeper_jobs as
select
  j.jobname::text as job,
  j.schedule,
  j.command,
  j.active,
  last_run.status as last_status,
  last_run.start_time as last_run_at,
  last_run.end_time - last_run.start_time as last_duration,
  last_success.end_time as last_success_at,
  next_run.at as next_run_at,
  case
    when not j.active then 'paused'
    when next_run.at is null then 'unknown'
    else 'in ' || session_sweeper.interval_in_words(next_run.at - now())
  end as next_due
from cron.job j
left join lateral (
  select d.status, d.start_time, d.end_time
  from cron.job_run_details d
  where d.jobid = j.jobid
  order by d.start_time desc nulls last
  limit 1
) last_run on true
left join lateral (
  select max(d.end_time) as end_time from cron.job_run_details d where d.jobid = j.jobid and d.status = 'succeeded'
) last_success on true
cross join lateral (select session_sweeper.cron_schedule_next_run(j.schedule) as at) next_run
where session_sweeper.is_session_sweeper_job(j.jobname)
order by j.jobname;
