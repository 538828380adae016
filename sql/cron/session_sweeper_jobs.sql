-- Our pg_cron jobs at a glance, for DBAs in psql and for GET /api/engine/jobs, which adds when each job runs next
-- (src/db/cron-next-run.ts). Dropped first, so that a column can go (migrate up grants it again).
drop view if exists session_sweeper.session_sweeper_jobs;
create or replace view session_sweeper.session_sweeper_jobs as
select
  j.jobname::text as job,
  j.schedule,
  j.command,
  j.active,
  last_run.status as last_status,
  last_run.start_time as last_run_at,
  last_run.end_time - last_run.start_time as last_duration,
  last_success.end_time as last_success_at
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
where session_sweeper.is_session_sweeper_job(j.jobname)
order by j.jobname;
