-- Our pg_cron jobs at a glance, for DBAs in psql and for GET /api/engine/jobs, which adds when each job runs next
-- (src/db/cron-next-run.ts). create or replace view can only add columns at the end.
do $$
begin
  -- The view before the service computed next_run_at and next_due: dropped (and the grant to the service role
  -- with it, given again after this file), with the SQL cron parser it called.
  if exists (select from pg_attribute where attrelid = to_regclass('session_sweeper.session_sweeper_jobs') and attname = 'next_due') then
    drop view session_sweeper.session_sweeper_jobs;
    drop function session_sweeper.cron_schedule_next_run(text, timestamptz), session_sweeper.cron_field_values(text, int, int),
      session_sweeper.interval_in_words(interval);
  end if;
end
$$;
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
where j.jobname = any(session_sweeper.session_sweeper_job_names())
order by j.jobname;
