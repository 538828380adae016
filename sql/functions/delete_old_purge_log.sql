-- Trims the purge audit (session_purge_log) to `days`; delete_old_cron_history calls it, so the audit is
-- cleaned by the same daily job as pg_cron's history.
create or replace function delete_old_purge_log(days int default 30)
returns int
language plpgsql
as $$
declare
  deleted int;
begin
  if days is null or days < 0 then
    raise exception 'delete_old_purge_log: days must be a non-negative integer, got %', coalesce(days::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  delete from session_purge_log where finished_at < now() - make_interval(days => days);
  get diagnostics deleted = row_count;
  return deleted;
end
$$;
