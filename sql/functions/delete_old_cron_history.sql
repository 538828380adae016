-- pg_cron never trims cron.job_run_details; this keeps `days` of history, and trims the purge audit too.
-- With pg_cron in another database (CRON_DATABASE), its history is not here: only the audit is trimmed.
create or replace function session_sweeper.delete_old_cron_history(days int default 7)
returns int
language plpgsql
-- Runs with its owner's rights (callers need only EXECUTE); the fixed search_path keeps callers from substituting objects.
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  deleted int := 0;
begin
  perform session_sweeper.require_integer_at_least('delete_old_cron_history', 'days', days);
  if to_regclass('cron.job_run_details') is not null then
    delete from cron.job_run_details where coalesce(end_time, start_time) < now() - make_interval(days => days);
    get diagnostics deleted = row_count;
  end if;
  perform session_sweeper.delete_old_purge_log();
  return deleted;
end
$$;
