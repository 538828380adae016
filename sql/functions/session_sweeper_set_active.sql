-- Pauses (enable = false) or resumes one of our pg_cron jobs, or all of them when job is NULL, through
-- cron.alter_job: takes effect at the next minute, no redeploy. Returns the jobs it changed.
create or replace function session_sweeper.session_sweeper_set_active(job text, enable boolean)
returns table (jobname text, active boolean)
language plpgsql
as $$
begin
  if job is not null and not job = any(session_sweeper.session_sweeper_job_names()) then
    raise exception 'unknown job "%": expected one of %', job, array_to_string(session_sweeper.session_sweeper_job_names(), ', ')
      using errcode = 'invalid_parameter_value';
  end if;
  if enable is null then
    raise exception 'session_sweeper_set_active: enable must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;
  perform cron.alter_job(j.jobid, active => enable)
  from cron.job j
  where j.jobname = coalesce(job, j.jobname) and j.jobname = any(session_sweeper.session_sweeper_job_names());
  return query
    select j.jobname::text, j.active from cron.job j
    where j.jobname = coalesce(job, j.jobname) and j.jobname = any(session_sweeper.session_sweeper_job_names())
    order by j.jobname;
end
$$;
