-- Whether a pg_cron job is ours: our job names carry this prefix (src/schema/cron-jobs.ts), so no DBA's job is taken
-- for ours and none of ours clashes with theirs.
create or replace function session_sweeper.is_session_sweeper_job(jobname text)
returns boolean
language sql
immutable
as $$
  select starts_with(jobname, 'session_sweeper.')
$$;
