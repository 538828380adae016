-- The promise: a session with no message idle for longer than this many minutes is a ghost, and the every-minute
-- job deletes it. The one source of the threshold: the job's command, the stats view, the HTTP default and the
-- metrics all read it from here.
create or replace function session_sweeper.ghost_idle_minutes()
returns int
language sql
immutable
as $$
  select 15
$$;
