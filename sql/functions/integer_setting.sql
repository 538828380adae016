-- The one reader of our integer settings (session_sweeper.batch_pause_ms, session_sweeper.ghosts_per_second): the
-- default while unset, else a whole number from 0 to maximum. Anything else is an error naming the setting, raised
-- before the caller deletes anything: a purge at a speed nobody chose would be worse than one that does not run.
create or replace function session_sweeper.integer_setting(setting text, default_value int, maximum int, unit text)
returns int
language plpgsql
stable
as $$
declare
  value text := pg_catalog.current_setting(setting, true);
  result int := case when coalesce(value, '') = '' then default_value when value ~ '^\s*\d{1,9}\s*$' then value::int end;
begin
  if result is null or result > maximum then
    raise exception '% must be a whole number of % from 0 to %, got %', setting, unit, maximum, pg_catalog.quote_literal(value)
      using errcode = 'invalid_parameter_value',
        hint = pg_catalog.format('ALTER DATABASE ... SET %s = %s; or RESET it.', setting, default_value);
  end if;
  return result;
end
$$;
