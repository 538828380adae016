-- The recorded settings (see use_tables), or an error that says how to record them.
create or replace function session_sweeper.current_settings()
returns session_sweeper.settings
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  recorded session_sweeper.settings;
begin
  select * into recorded from session_sweeper.settings;
  if not found then
    raise exception 'session-sweeper has no recorded tables' using errcode = 'object_not_in_prerequisite_state',
      hint = 'Run `npm run migrate -- up` (it records SESSIONS_TABLE and MESSAGES_TABLE).';
  end if;
  return recorded;
end
$$;
