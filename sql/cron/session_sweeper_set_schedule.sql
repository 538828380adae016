-- Changes the schedule of one of our pg_cron jobs through cron.alter_job (pg_cron rejects an invalid schedule with
-- "invalid schedule: ..."). Example:
--   select * from session_sweeper.session_sweeper_set_schedule('session_sweeper.old-sessions-prune', '0 */3 * * *');
create or replace function session_sweeper.session_sweeper_set_schedule(job text, new_schedule text)
returns table (jobname text, schedule text)
language plpgsql
as $$
declare
  id bigint := session_sweeper.require_session_sweeper_job(job);
begin
  if new_schedule is null then
    raise exception 'session_sweeper_set_schedule: new_schedule must not be NULL' using errcode = 'invalid_parameter_value';
  end if;
  perform cron.alter_job(id, schedule => new_schedule);
  return query select j.jobname::text, j.schedule from cron.job j where j.jobid = id;
end
$$;
