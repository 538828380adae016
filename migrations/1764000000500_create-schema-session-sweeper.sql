-- Frozen: a released migration never changes meaning, so it holds fixed DDL only: the tables and the role. The
-- routines, views and count trigger are the repeatable files under sql/; the grants, the table settings and the
-- jobs are applied after every `migrate up` (src/schema/migrate.ts). migrate() passes its settings as the session
-- settings session_sweeper.* read below.
--
-- Everything of ours in schema session_sweeper, on the chat tables SESSIONS_TABLE/MESSAGES_TABLE name: adopted
-- when they exist (never altered), created when they are the default and missing. A database the previous release
-- (v1, everything in `public`) migrated is upgraded in place: its audit rows move here, its routines and views go,
-- its jobs keep their schedule and state.

-- Up Migration

create schema if not exists session_sweeper;

-- One row: the tables the purge works on, as use_tables() recorded them (schema-qualified).
create table session_sweeper.settings (
  singleton boolean primary key default true check (singleton),
  sessions_table text not null,
  messages_table text not null,
  archive_sessions_table text,
  archive_messages_table text,
  -- the chat tables this migration created (greenfield): migrating down drops these, and only these
  created_tables text[] not null default '{}',
  recorded_at timestamptz not null default now()
);

-- The purge audit: one row per purge, written by the purge routines (log_session_purge).
do $$
begin
  if to_regclass('public.session_purge_log') is not null then
    alter table public.session_purge_log set schema session_sweeper; -- v1's, with its rows
  else
    create table session_sweeper.session_purge_log (
      id bigint generated always as identity primary key,
      ran_at timestamptz not null,
      finished_at timestamptz not null,
      kind text not null check (kind in ('ghost', 'prune')),
      threshold interval not null,
      dry_run boolean not null,
      deleted int not null check (deleted >= 0),
      duration interval generated always as (finished_at - ran_at) stored,
      source text not null
    );
    create index session_purge_log_finished_at_idx on session_sweeper.session_purge_log (finished_at);
  end if;
  alter table session_sweeper.session_purge_log
    add column messages int check (messages >= 0),            -- the prune's messages deleted with the sessions
    add column archived boolean not null default false;       -- copied to the archive tables first
end
$$;

-- v1 kept its routines and views in `public`; its ghost index has a predicate the ghost test no longer matches.
drop view if exists public.session_sweeper_jobs, public.session_sweeper_stats;
drop function if exists
  public.delete_ghost_sessions(int), public.delete_ghost_sessions_batch(timestamptz, int),
  public.prune_old_sessions(int, boolean), public.delete_old_cron_history(int), public.delete_old_purge_log(int),
  public.log_session_purge(text, interval, boolean, int), public.add_session_message(uuid, text, text),
  public.interval_in_words(interval), public.cron_field_values(text, int, int),
  public.cron_schedule_next_run(text, timestamptz), public.session_sweeper_job_names(),
  public.session_sweeper_set_active(text, boolean), public.session_sweeper_pause(text),
  public.session_sweeper_resume(text), public.session_sweeper_set_schedule(text, text);
drop procedure if exists public.purge_ghost_sessions(int, int, int);
drop index if exists public.engine_chat_sessions_ghosts_idx;
do $$
begin
  if to_regclass('public.pgmigrations') is not null then
    delete from public.pgmigrations where name in (
      '1764000000000_create-extension-pg-cron', '1764000000001_create-tables-sessions',
      '1764000000002_create-functions-purge', '1764000000003_schedule-cron-jobs',
      '1764000000100_create-indexes-session-purges', '1764000000101_purge-ghost-sessions-in-batches',
      '1764000000200_create-role-service', '1764000000300_create-purge-log', '1764000000301_create-jobs-view',
      '1764000000400_grant-service-role-reads-restrict-routines');
    if not exists (select from public.pgmigrations) then
      drop table public.pgmigrations;
    end if;
  end if;
end
$$;

-- The service role (SERVICE_DB_ROLE), granted its routines after every up (src/schema/service-role.ts). v1 granted
-- it rights on the chat tables and on `public`: it now reaches the tables only through our routines.
do $$
declare
  role text := current_setting('session_sweeper.service_role');
begin
  begin
    execute format('create role %I nologin', role);
  exception when duplicate_object then
    null; -- made by an operator, by v1, or by this migration in another database of the cluster
  end;
  if to_regclass('public.engine_chat_sessions') is not null then
    execute format('revoke all on public.engine_chat_sessions from %I', role);
    execute format('revoke usage on schema public from %I', role);
  end if;
end
$$;
-- The owner (and pg_cron's jobs, which run as the owner) may call every routine; the service role what it is
-- granted; nobody else anything.
alter default privileges in schema session_sweeper revoke execute on routines from public;

-- Greenfield: the default tables, missing, and no setting naming others. (A table a setting names must exist:
-- use_tables, run after the migrations, says so.) v1 created the same two, with its count trigger.
do $$
begin
  if nullif(current_setting('session_sweeper.sessions_table', true), '') is null
     and nullif(current_setting('session_sweeper.messages_table', true), '') is null
     and to_regclass('public.engine_chat_sessions') is null and to_regclass('public.engine_chat_messages') is null then
    create table public.engine_chat_sessions (
      id uuid primary key default gen_random_uuid(),
      agent_id text not null,
      title text,
      message_count int not null default 0 check (message_count >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create table public.engine_chat_messages (
      id bigint generated always as identity primary key,
      session_id uuid not null references public.engine_chat_sessions on delete cascade,
      role text not null,
      content text not null,
      created_at timestamptz default now()
    );
    create index engine_chat_messages_session_id_idx on public.engine_chat_messages (session_id);
  elsif not exists (select from pg_trigger
                    where tgname = 'engine_chat_messages_count' and tgrelid = to_regclass('public.engine_chat_messages')) then
    return; -- adopted tables
  end if;
  insert into session_sweeper.settings (sessions_table, messages_table, created_tables)
  values ('public.engine_chat_sessions', 'public.engine_chat_messages',
          array['public.engine_chat_sessions', 'public.engine_chat_messages']);
end
$$;

-- Down Migration

do $$
declare
  recorded session_sweeper.settings;
  chat_table text;
  object record;
begin
  select * into recorded from session_sweeper.settings;
  -- Our indexes on adopted tables; the tables we created go whole (messages first: the foreign key).
  foreach chat_table in array array[recorded.messages_table, recorded.sessions_table] loop
    continue when to_regclass(chat_table) is null or chat_table = any(recorded.created_tables);
    for object in select format('%I.%I', n.nspname, c.relname) as name
                  from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
                  where i.indrelid = to_regclass(chat_table) and c.relname like 'session\_sweeper\_%' loop
      execute 'drop index ' || object.name;
    end loop;
  end loop;
  if recorded.created_tables <> '{}' then
    execute 'drop table if exists ' || array_to_string(recorded.created_tables, ', ');
  end if;

  -- Everything else of ours in our schema, but node-pg-migrate's own table.
  for object in select c.oid::regclass as name from pg_class c
                where c.relnamespace = 'session_sweeper'::regnamespace and c.relkind = 'v' loop
    execute format('drop view %s', object.name);
  end loop;
  -- Those another routine depends on (an argument default) last.
  for object in select p.oid::regprocedure as name, p.prokind from pg_proc p
                where p.pronamespace = 'session_sweeper'::regnamespace
                order by exists (select from pg_depend d where d.refobjid = p.oid and d.classid = 'pg_proc'::regclass) loop
    execute format('drop %s %s', case object.prokind when 'p' then 'procedure' else 'function' end, object.name);
  end loop;
  drop table session_sweeper.settings, session_sweeper.session_purge_log;
  execute format('revoke usage on schema session_sweeper from %I', current_setting('session_sweeper.service_role'));
  alter default privileges in schema session_sweeper grant execute on routines to public;
  begin
    execute format('drop role %I', current_setting('session_sweeper.service_role'));
  exception when dependent_objects_still_exist then
    null; -- still granted rights in another database of the cluster
  end;
end
$$;
