-- session_sweeper.ghosts_per_second (docs/operations.md): the most ghosts per second the batch ghost purge deletes,
-- pausing between batches to stay under it; default 300, 0 = no limit. Read once before the first batch, like
-- batch_pause_ms: a bad value stops the run before it deletes anything.
create or replace function session_sweeper.ghosts_per_second()
returns int
language plpgsql
stable
as $$
declare
  setting text := pg_catalog.current_setting('session_sweeper.ghosts_per_second', true);
  rate int := case when coalesce(setting, '') = '' then 300 when setting ~ '^\s*\d{1,7}\s*$' then setting::int end;
begin
  if rate is null or rate > 1000000 then
    raise exception 'session_sweeper.ghosts_per_second must be a whole number from 0 (no limit) to 1000000, got %', pg_catalog.quote_literal(setting)
      using errcode = 'invalid_parameter_value', hint = 'ALTER DATABASE ... SET session_sweeper.ghosts_per_second = 300; or RESET it.';
  end if;
  return rate;
end
$$;
