-- pg_cron never trims cron.job_run_details; this keeps `days` of history, and trims the purge audit too.
-- With pg_cron in another database (CRON_DATABASE), its history is not here: only the audit is trimmed.
create or replace function delete_old_cron_history(days int default 7)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = public, pg_temp
as $$
declare
  deleted int := 0;
begin
  if days is null or days < 0 then
    raise exception 'delete_old_cron_history: days must be a non-negative integer, got %', coalesce(days::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  if to_regclass('cron.job_run_details') is not null then
    delete from cron.job_run_details where coalesce(end_time, start_time) < now() - make_interval(days => days);
    get diagnostics deleted = row_count;
  end if;
  perform delete_old_purge_log();
  return deleted;
end
$$;
