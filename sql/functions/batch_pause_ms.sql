-- session_sweeper.batch_pause_ms (docs/operations.md): how long the batch purges pause after each committed batch,
-- so that writers do not feel a backlog; default 20. Read once before the first batch: a bad value stops the run
-- before it deletes anything.
create or replace function session_sweeper.batch_pause_ms()
returns int
language plpgsql
stable
as $$
declare
  pause text := pg_catalog.current_setting('session_sweeper.batch_pause_ms', true);
  pause_ms int := case when coalesce(pause, '') = '' then 20 when pause ~ '^\s*\d{1,5}\s*$' then pause::int end;
begin
  if pause_ms is null or pause_ms > 10000 then
    raise exception 'session_sweeper.batch_pause_ms must be a whole number of milliseconds from 0 to 10000, got %', pg_catalog.quote_literal(pause)
      using errcode = 'invalid_parameter_value', hint = 'ALTER DATABASE ... SET session_sweeper.batch_pause_ms = 20; or RESET it.';
  end if;
  return pause_ms;
end
$$;
