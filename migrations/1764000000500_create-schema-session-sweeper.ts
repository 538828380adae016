import type { MigrationBuilder } from 'node-pg-migrate';
import { escapeLiteral } from 'pg';
import { CRON_JOBS } from '../src/schema/cron-jobs.ts';
import { pgCronIsElsewhere } from '../src/schema/managed-cron.ts';
import { serviceLogin, serviceRole } from '../src/schema/service-role.ts';
import { readSqlFile, sqlObjectFiles } from '../src/schema/sql-files.ts';
import { DEFAULT_TABLES, TABLE_SETTINGS } from '../src/schema/table-settings.ts';

// Everything of ours in schema session_sweeper, on the chat tables the settings name (SESSIONS_TABLE, ...):
// adopted when they exist (never altered), created with our count trigger when they are the default and missing.
// A database that the previous release (v1, everything in `public`) migrated is upgraded in place: its audit rows
// move here, its routines, views and count trigger are replaced, its jobs keep their schedule and state.

/** The routines the HTTP service calls, and those the views it reads call (views run functions with the reader's rights). */
const SERVICE_ROUTINES = [
  'create_session(text, text)',
  'find_session(uuid)',
  'add_session_message(uuid, text, text)',
  'delete_ghost_sessions(int, boolean)',
  'count_ghost_sessions(int)',
  'count_sessions()',
  'session_sweeper_job_names()',
];
const SERVICE_RELATIONS = ['session_sweeper_stats', 'session_purge_log'];
/**
 * Where pg_cron runs: the jobs view and its schedules' time zone, and pausing and resuming our jobs from the
 * operator's page. Those three run as the jobs' owner (SECURITY DEFINER: pg_cron lets only a job's owner alter it) and refuse any job but ours; the
 * service role has no right on cron.job itself and cannot reschedule.
 */
const SERVICE_CRON_GRANTS = [
  'select on session_sweeper.session_sweeper_jobs',
  'execute on function session_sweeper.cron_timezone()',
  'execute on function session_sweeper.session_sweeper_pause(text)',
  'execute on function session_sweeper.session_sweeper_resume(text)',
];
/** Only where pg_cron runs (not with CRON_DATABASE): they read cron.job or pg_cron's settings. */
const CRON_LOCAL_FILES = [
  'views/session_sweeper_jobs.sql',
  'functions/cron_timezone.sql',
  'functions/session_sweeper_set_active.sql',
  'functions/session_sweeper_pause.sql',
  'functions/session_sweeper_resume.sql',
  'functions/session_sweeper_set_schedule.sql',
];

const V1_MIGRATIONS = [
  '1764000000000_create-extension-pg-cron',
  '1764000000001_create-tables-sessions',
  '1764000000002_create-functions-purge',
  '1764000000003_schedule-cron-jobs',
  '1764000000100_create-indexes-session-purges',
  '1764000000101_purge-ghost-sessions-in-batches',
  '1764000000200_create-role-service',
  '1764000000300_create-purge-log',
  '1764000000301_create-jobs-view',
  '1764000000400_grant-service-role-reads-restrict-routines',
];

/** A table setting as migrate() passed it; NULL when not set. */
const setting = (name: string) => `nullif(current_setting('${name}', true), '')`;

export async function up(pgm: MigrationBuilder): Promise<void> {
  const cronHere = !(await pgCronIsElsewhere(pgm));
  const role = serviceRole();
  const login = serviceLogin();
  if (cronHere) {
    pgm.sql(await readSqlFile('checks/require_pg_cron.sql'));
    pgm.sql('create extension if not exists pg_cron');
  }

  pgm.sql(`
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
  `);
  pgm.sql(removeV1Objects(role));

  // Routines first, their bodies checked only when called (they refer to each other), then the views using them.
  pgm.sql('set local check_function_bodies = off');
  for (const file of await sqlObjectFiles()) {
    if (!cronHere && CRON_LOCAL_FILES.includes(file)) continue;
    pgm.sql(await readSqlFile(file));
  }
  pgm.sql('set local check_function_bodies = on');

  pgm.sql(`
    do $$
    declare
      sessions text := coalesce(${setting(TABLE_SETTINGS.sessions)}, ${escapeLiteral(DEFAULT_TABLES.sessions)});
      messages text := coalesce(${setting(TABLE_SETTINGS.messages)}, ${escapeLiteral(DEFAULT_TABLES.messages)});
      created text[] := '{}';
    begin
      -- Greenfield: the default tables, missing. (A table a setting names must exist: use_tables says so.)
      if ${setting(TABLE_SETTINGS.sessions)} is null and ${setting(TABLE_SETTINGS.messages)} is null
         and to_regclass(sessions) is null and to_regclass(messages) is null then
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
        created := array['public.engine_chat_sessions', 'public.engine_chat_messages'];
      elsif exists (select from pg_trigger where tgname = 'engine_chat_messages_count' and tgrelid = to_regclass(messages)) then
        created := array['public.engine_chat_sessions', 'public.engine_chat_messages']; -- by v1, with its trigger
      end if;
      if created <> '{}' then
        create or replace trigger engine_chat_messages_count
        after insert or delete on public.engine_chat_messages
        for each row execute function session_sweeper.count_session_messages('public.engine_chat_sessions');
      end if;

      perform session_sweeper.use_tables(sessions, messages,
        ${setting(TABLE_SETTINGS.archiveSessions)}, ${setting(TABLE_SETTINGS.archiveMessages)});
      update session_sweeper.settings set created_tables = created;
    end
    $$;
    drop function if exists public.count_session_messages();
  `);

  pgm.sql(`
    do $$
    begin
      create role ${role} nologin;
    exception when duplicate_object then
      null; -- made by an operator, by v1, or by this migration in another database of the cluster
    end
    $$;
    -- The owner (and pg_cron's jobs, which run as the owner) may call every routine; the service role what it is
    -- granted below; nobody else anything.
    revoke execute on all routines in schema session_sweeper from public;
    alter default privileges in schema session_sweeper revoke execute on routines from public;
    grant usage on schema session_sweeper to ${role};
    ${SERVICE_ROUTINES.map((routine) => `grant execute on function session_sweeper.${routine} to ${role};`).join('\n')}
    ${SERVICE_RELATIONS.map((relation) => `grant select on session_sweeper.${relation} to ${role};`).join('\n')}
    ${cronHere ? SERVICE_CRON_GRANTS.map((grant) => `grant ${grant} to ${role};`).join('\n') : ''}
    ${login ? `grant ${role} to ${login};` : ''}
  `);

  // With pg_cron in another database (CRON_DATABASE), migrate() schedules the same jobs from there.
  if (cronHere) {
    // A v1 job keeps its schedule and active state (a DBA may have tuned them); only its command changes.
    for (const { name, schedule, command } of CRON_JOBS) {
      const [job, cmd] = [escapeLiteral(name), escapeLiteral(command)];
      pgm.sql(`
        select cron.alter_job(jobid, command => ${cmd}) from cron.job where jobname = ${job};
        select cron.schedule(${job}, ${escapeLiteral(schedule)}, ${cmd}) where not exists (select from cron.job where jobname = ${job});`);
    }
  }
}

/** v1 kept its routines and views in `public`; its ghost index has a predicate the ghost test no longer matches. */
function removeV1Objects(role: string): string {
  return `
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
      if to_regclass('public.engine_chat_sessions') is not null and exists (select from pg_roles where rolname = '${role}') then
        revoke all on public.engine_chat_sessions from ${role};
        revoke usage on schema public from ${role};
      end if;
      if to_regclass('public.pgmigrations') is not null then
        delete from public.pgmigrations where name in (${V1_MIGRATIONS.map(escapeLiteral).join(', ')});
        if not exists (select from public.pgmigrations) then
          drop table public.pgmigrations;
        end if;
      end if;
    end
    $$;`;
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  const cronHere = !(await pgCronIsElsewhere(pgm));
  const role = serviceRole();
  if (cronHere) {
    // cron.unschedule(name) fails for a missing job, so only unschedule the ones that exist.
    pgm.sql(
      `select cron.unschedule(jobid) from cron.job where jobname in (${CRON_JOBS.map((job) => escapeLiteral(job.name)).join(', ')});`,
    );
  }
  pgm.sql(`
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
                      where i.indrelid = to_regclass(chat_table) and c.relname like 'session\\_sweeper\\_%' loop
          execute 'drop index ' || object.name;
        end loop;
      end loop;
      if recorded.created_tables <> '{}' then
        execute 'drop table if exists ' || array_to_string(recorded.created_tables, ', ');
      end if;

      -- Everything else of ours in our schema, but node-pg-migrate's own table.
      drop view if exists session_sweeper.session_sweeper_jobs, session_sweeper.session_sweeper_stats;
      for object in select p.oid::regprocedure as name, p.prokind from pg_proc p
                    where p.pronamespace = 'session_sweeper'::regnamespace loop
        execute format('drop %s %s', case object.prokind when 'p' then 'procedure' else 'function' end, object.name);
      end loop;
      drop table session_sweeper.settings, session_sweeper.session_purge_log;
      revoke usage on schema session_sweeper from ${role};
      alter default privileges in schema session_sweeper grant execute on routines to public;
      begin
        drop role ${role};
      exception when dependent_objects_still_exist then
        null; -- still granted rights in another database of the cluster
      end;
    end
    $$;
  `);
  if (cronHere) {
    // Keep pg_cron when jobs other than ours still use it.
    pgm.sql(`
      do $$
      begin
        if not exists (select from cron.job) then
          drop extension pg_cron;
        end if;
      end
      $$`);
  }
}
