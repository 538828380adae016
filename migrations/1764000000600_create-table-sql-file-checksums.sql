-- Frozen. The repeatable files under sql/ as last applied, by checksum: `migrate up` re-applies a file only when
-- its text changed (Flyway's repeatable migrations, see src/schema/sql-files.ts).

-- Up Migration

create table session_sweeper.sql_file_checksums (
  file text primary key,         -- e.g. 'functions/delete_ghost_sessions.sql'
  checksum text not null,        -- sha256 of the file's text
  applied_at timestamptz not null default now()
);

-- Down Migration

drop table session_sweeper.sql_file_checksums;
