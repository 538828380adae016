-- Pauses (enable = false) or resumes one of our pg_cron jobs, or all of them when job is NULL, through
-- cron.alter_job: takes effect at the next minute, no redeploy. Returns the jobs it changed.
create or replace function session_sweeper.session_sweeper_set_active(job text, enable boolean)
returns table (jobname text, active boolean)
language plpgsql
as $$
declare
  id bigint := case when job is not null then session_sweeper.require_session_sweeper_job(job) end;
begin
  if enable is null then
    raise exception 'session_sweeper_set_active: enable must be true or false, got NULL'
      using errcode = 'invalid_parameter_value';
  end if;
  perform cron.alter_job(j.jobid, active => enable)
  from cron.job j
  where j.jobid = coalesce(id, j.jobid) and session_sweeper.is_session_sweeper_job(j.jobname);
  return query
    select j.jobname::text, j.active from cron.job j
    where j.jobid = coalesce(id, j.jobid) and session_sweeper.is_session_sweeper_job(j.jobname)
    order by j.jobname;
end
$$;
