-- The pg_cron jobs this project owns (names are a contract; src/schema/cron-jobs.ts holds their definitions).
create or replace function session_sweeper.session_sweeper_job_names()
returns text[]
language sql
immutable
as $$
  select array['ghost-sessions-purge', 'old-sessions-prune', 'cron-history-cleanup']
$$;
