-- The argument check every purge routine starts with: a clear SQL error (22023) instead of a surprising purge.
create or replace function session_sweeper.require_non_negative(routine text, argument text, value int)
returns void
language plpgsql
immutable
as $$
begin
  if value is null or value < 0 then
    raise exception '%: % must be a non-negative integer, got %', routine, argument, coalesce(value::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
end
$$;
