-- Trims the purge audit (session_purge_log) to `days`; delete_old_cron_history calls it, so the audit is
-- cleaned by the same daily job as pg_cron's history.
create or replace function session_sweeper.delete_old_purge_log(days int default 30)
returns int
language plpgsql
as $$
declare
  deleted int;
begin
  perform session_sweeper.require_integer_at_least('delete_old_purge_log', 'days', days);
  delete from session_sweeper.session_purge_log where finished_at < now() - make_interval(days => days);
  get diagnostics deleted = row_count;
  return deleted;
end
$$;
