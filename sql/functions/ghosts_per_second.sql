-- session_sweeper.ghosts_per_second (docs/operations.md): the most ghosts a second the batch ghost purge deletes,
-- pausing between batches to stay under it; default 300, 0 = no limit. Read once before the first batch.
create or replace function session_sweeper.ghosts_per_second()
returns int
language sql
stable
as $$
  select session_sweeper.integer_setting('session_sweeper.ghosts_per_second', 300, 1000000, 'ghosts a second')
$$;
