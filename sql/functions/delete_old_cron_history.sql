-- pg_cron never trims cron.job_run_details; this keeps `days` of history.
create or replace function delete_old_cron_history(days int default 7)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = public, pg_temp
as $$
declare
  deleted int;
begin
  if days is null or days < 0 then
    raise exception 'delete_old_cron_history: days must be a non-negative integer, got %', coalesce(days::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  delete from cron.job_run_details where coalesce(end_time, start_time) < now() - make_interval(days => days);
  get diagnostics deleted = row_count;
  return deleted;
end
$$;
