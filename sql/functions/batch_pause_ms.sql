-- session_sweeper.batch_pause_ms (docs/operations.md): how long the batch purges pause after each committed batch,
-- so that writers do not feel a backlog; default 20. Read once before the first batch.
create or replace function session_sweeper.batch_pause_ms()
returns int
language sql
stable
as $$
  select session_sweeper.integer_setting('session_sweeper.batch_pause_ms', 20, 10000, 'milliseconds')
$$;
