-- When a pg_cron schedule fires next after `after` (pg_cron 1.4 runs on GMT), or NULL for a schedule this
-- does not understand (e.g. @reboot). Walks day by day, so it costs at most a few years of days.
create or replace function session_sweeper.cron_schedule_next_run(schedule text, after timestamptz default now())
returns timestamptz
language plpgsql
stable
as $$
declare
  fields text[];
  minutes int[];
  hours int[];
  days_of_month int[];
  months int[];
  days_of_week int[];
  start timestamp := date_trunc('minute', after at time zone 'UTC') + interval '1 minute';
  day date;
  day_matches boolean;
  candidate timestamp;
begin
  fields := regexp_split_to_array(
    case lower(trim(schedule))
      when '@yearly' then '0 0 1 1 *' when '@annually' then '0 0 1 1 *' when '@monthly' then '0 0 1 * *'
      when '@weekly' then '0 0 * * 0' when '@daily' then '0 0 * * *' when '@midnight' then '0 0 * * *'
      when '@hourly' then '0 * * * *'
      else lower(trim(schedule))
    end, '\s+');
  if array_length(fields, 1) <> 5 then
    return null;
  end if;
  for i in 1..12 loop
    fields[4] := replace(fields[4], (array['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'])[i], i::text);
  end loop;
  for i in 0..6 loop
    fields[5] := replace(fields[5], (array['sun','mon','tue','wed','thu','fri','sat'])[i + 1], i::text);
  end loop;
  begin
    minutes := session_sweeper.cron_field_values(fields[1], 0, 59);
    hours := session_sweeper.cron_field_values(fields[2], 0, 23);
    days_of_month := session_sweeper.cron_field_values(fields[3], 1, 31);
    months := session_sweeper.cron_field_values(fields[4], 1, 12);
    days_of_week := array(select distinct v % 7 from unnest(session_sweeper.cron_field_values(fields[5], 0, 7)) v); -- 7 is Sunday too
  exception when others then
    return null;
  end;

  for offset_days in 0..(366 * 4) loop
    day := start::date + offset_days;
    continue when not extract(month from day)::int = any(months);
    -- As in Vixie cron (and pg_cron): when both day fields are restricted, either one matching is enough.
    day_matches := case
      when fields[3] like '*%' and fields[5] like '*%' then true
      when fields[3] like '*%' then extract(dow from day)::int = any(days_of_week)
      when fields[5] like '*%' then extract(day from day)::int = any(days_of_month)
      else extract(day from day)::int = any(days_of_month) or extract(dow from day)::int = any(days_of_week)
    end;
    continue when not day_matches;
    select min(day + make_interval(hours => h, mins => m)) into candidate
    from unnest(hours) h, unnest(minutes) m
    where day + make_interval(hours => h, mins => m) >= start;
    if candidate is not null then
      return candidate at time zone 'UTC';
    end if;
  end loop;
  return null;
end
$$;
