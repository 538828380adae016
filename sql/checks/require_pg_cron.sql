-- Runs before CREATE EXTENSION pg_cron so a misconfigured server fails with the setting to fix,
-- instead of pg_cron's own less helpful errors.
do $$
declare
  major text := current_setting('server_version_num')::int / 10000;
  cron_database text := current_setting('cron.database_name', true);
begin
  if not exists (select from pg_available_extensions where name = 'pg_cron') then
    raise exception 'pg_cron is not installed on this PostgreSQL server'
      using hint = format('Install it (Debian/Ubuntu: apt-get install postgresql-%s-cron), then restart PostgreSQL.', major);
  end if;
  if not exists (
    select from unnest(string_to_array(current_setting('shared_preload_libraries'), ',')) as lib
    where trim(lib) = 'pg_cron'
  ) then
    raise exception 'pg_cron is not preloaded (shared_preload_libraries = ''%'')', current_setting('shared_preload_libraries')
      using hint = 'Set shared_preload_libraries = ''pg_cron'' in postgresql.conf (keep any other libraries listed) and restart PostgreSQL.';
  end if;
  if coalesce(cron_database, 'postgres') <> current_database() then
    raise exception 'pg_cron runs jobs in database "%", but this migration runs in "%"', coalesce(cron_database, 'postgres'), current_database()
      using hint = format('Point DATABASE_URL at database "%s"; or set cron.database_name = ''%s'' in postgresql.conf and '
        'restart PostgreSQL; or, where pg_cron must stay in "%s" (managed PostgreSQL), set CRON_DATABASE=%s to schedule '
        'the jobs from there.',
        coalesce(cron_database, 'postgres'), current_database(), coalesce(cron_database, 'postgres'), coalesce(cron_database, 'postgres'));
  end if;
end
$$;
