-- Reads only: how many sessions with no message have been idle for more than `minutes` (what
-- delete_ghost_sessions(minutes) would delete now), and the idle time of the oldest session with no message
-- (NULL when there is none). Served by engine_chat_sessions_ghosts_idx. GET /api/engine/sessions/ghosts.
create or replace function count_ghost_sessions(minutes int)
returns table (ghosts int, oldest_ghost_age interval)
language plpgsql
stable
as $$
begin
  if minutes is null or minutes < 0 then
    raise exception 'count_ghost_sessions: minutes must be a non-negative integer, got %', coalesce(minutes::text, 'NULL')
      using errcode = 'invalid_parameter_value';
  end if;
  return query
    select (count(*) filter (where s.updated_at < now() - make_interval(mins => minutes)))::int, now() - min(s.updated_at)
    from engine_chat_sessions s
    where s.message_count = 0;
end
$$;
