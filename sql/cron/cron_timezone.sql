-- The time zone pg_cron reads schedules in: cron.timezone (pg_cron 1.5+), GMT before (pg_cron 1.4 has no such
-- setting). GET /api/engine/jobs computes the next runs with it (src/db/cron-next-run.ts).
create or replace function session_sweeper.cron_timezone()
returns text
language sql
stable
-- pg_cron marks the setting superuser-only: this runs as the owner, so that the service role may read it.
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(current_setting('cron.timezone', true), 'GMT')
$$;
