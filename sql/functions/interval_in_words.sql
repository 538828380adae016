-- A duration as an operator reads it: '42 s', '3 min 5 s', '5 h 12 min', '2 d 3 h' (the two largest units).
create or replace function session_sweeper.interval_in_words(span interval)
returns text
language sql
immutable
as $$
  select case
    when s < 60 then s || ' s'
    when s < 3600 then (s / 60) || ' min' || coalesce(' ' || nullif(s % 60, 0) || ' s', '')
    when s < 86400 then (s / 3600) || ' h' || coalesce(' ' || nullif(s % 3600 / 60, 0) || ' min', '')
    else (s / 86400) || ' d' || coalesce(' ' || nullif(s % 86400 / 3600, 0) || ' h', '')
  end
  from (select greatest(0, round(extract(epoch from span)))::bigint as s) seconds
$$;
