-- The values one field of a cron schedule stands for, e.g. ('*/15', 0, 59) -> {0,15,30,45}.
-- Handles what pg_cron accepts in a field: *, n, a-b, */n, a-b/n, n/s and comma lists (names are
-- turned into numbers by cron_schedule_next_run). Raises on anything else.
create or replace function session_sweeper.cron_field_values(field text, lo int, hi int)
returns int[]
language plpgsql
immutable
as $$
declare
  part text;
  span text;
  step int;
  first int;
  last int;
  result int[] := '{}';
begin
  foreach part in array string_to_array(field, ',') loop
    span := split_part(part, '/', 1);
    step := coalesce(nullif(split_part(part, '/', 2), '')::int, 1);
    if span = '*' then
      first := lo;
      last := hi;
    elsif span like '%-%' then
      first := split_part(span, '-', 1)::int;
      last := split_part(span, '-', 2)::int;
    else
      first := span::int;
      last := case when part like '%/%' then hi else first end; -- 'n/s' means n, n+s, ... up to hi
    end if;
    if first < lo or last > hi or step < 1 then
      raise exception 'cron field % is out of range %-%', part, lo, hi using errcode = 'invalid_parameter_value';
    end if;
    result := result || array(select generate_series(first, last, step));
  end loop;
  return array(select distinct v from unnest(result) v order by v);
end
$$;
