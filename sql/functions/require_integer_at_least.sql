-- The one argument check of our routines: a clear SQL error (22023) instead of a surprising purge.
-- minimum 0: "a non-negative integer"; 1: "a positive integer".
create or replace function session_sweeper.require_integer_at_least(routine text, argument text, value int, minimum int default 0)
returns void
language plpgsql
immutable
as $$
begin
  if value is null or value < minimum then
    raise exception '%: % must be a % integer, got %', routine, argument,
      case minimum when 0 then 'non-negative' when 1 then 'positive' else format('>= %s', minimum) end,
      coalesce(value::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
end
$$;
