-- Frozen. The repeatable files under sql/ as last applied, by checksum: `migrate up` re-applies a file only when its
-- text changed (Flyway's repeatable migrations, see src/schema/sql-files.ts). And the routines the release of
-- 2026-11-26 installed that no file holds any more: the next-run parser now in the service, the job-name list now a
-- prefix, the argument check now require_integer_at_least. Its jobs view used some of them: its file recreates it.

-- Up Migration

create table session_sweeper.sql_file_checksums (
  file text primary key,         -- e.g. 'functions/delete_ghost_sessions.sql'
  checksum text not null,        -- sha256 of the file's text
  applied_at timestamptz not null default now()
);

drop view if exists session_sweeper.session_sweeper_jobs;
drop function if exists
  session_sweeper.cron_schedule_next_run(text, timestamptz), session_sweeper.cron_field_values(text, int, int),
  session_sweeper.interval_in_words(interval), session_sweeper.session_sweeper_job_names(),
  session_sweeper.require_non_negative(text, text, int);

-- Down Migration

drop table session_sweeper.sql_file_checksums;
