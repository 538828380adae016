-- The id of one of our pg_cron jobs, or SQLSTATE 22023 naming ours: the one unknown-job check behind pausing,
-- resuming and rescheduling.
create or replace function session_sweeper.require_session_sweeper_job(job text)
returns bigint
language plpgsql
stable
as $$
declare
  id bigint;
begin
  select j.jobid into id from cron.job j where j.jobname = job and session_sweeper.is_session_sweeper_job(j.jobname);
  if id is null then
    raise exception 'unknown job "%": expected one of %', job,
      (select string_agg(j.jobname, ', ' order by j.jobname) from cron.job j where session_sweeper.is_session_sweeper_job(j.jobname))
      using errcode = 'invalid_parameter_value';
  end if;
  return id;
end
$$;
