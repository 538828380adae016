// Item: installed into a database holding Aria's tables (today's layout, aria_engine.chat_*), session-sweeper
// adopts them without altering them, purges exactly the idle ghosts, serves the API on them, and leaves every
// row as it was when migrated down. The database then goes back to our own tables for the other files.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.ts';
import { createPool } from '../src/db/pool.ts';
import { migrate } from '../src/schema/migrate.ts';
import { createStore } from '../src/db/store.ts';
import { ARIA_LAYOUTS, ariaSchemaSql } from './helpers/aria.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { databaseUrl, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const aria = ARIA_LAYOUTS.today;
const quiet = () => {};
const migrateUp = (tables = {}) => migrate({ databaseUrl: databaseUrl(), direction: 'up', tables, log: quiet });

/** Aria's tables as its DBA would compare them: columns, constraints, triggers, indexes (ours left out). */
async function ariaSchema() {
  const { rows } = await db.query(`
    select
      (select json_agg(json_build_array(table_name, column_name, data_type, is_nullable, column_default)
                       order by table_name, ordinal_position)
        from information_schema.columns where table_schema = 'aria_engine') as columns,
      (select json_agg(json_build_array(conrelid::regclass, conname, pg_get_constraintdef(oid)) order by conname)
        from pg_constraint where connamespace = 'aria_engine'::regnamespace) as constraints,
      (select count(*)::int from pg_trigger t join pg_class c on c.oid = t.tgrelid
        where c.relnamespace = 'aria_engine'::regnamespace and not t.tgisinternal) as triggers,
      (select json_agg(indexdef order by indexname) from pg_indexes
        where schemaname = 'aria_engine' and indexname not like 'session\\_sweeper\\_%') as indexes,
      (select json_agg(c.relname || ':' || coalesce(c.relacl::text, 'default') order by c.relname) from pg_class c
        where c.relnamespace = 'aria_engine'::regnamespace and c.relkind = 'r') as grants`);
  return rows[0];
}

/** Every row of Aria's four tables. */
async function ariaRows() {
  const { rows } = await db.query(`
    select (select json_agg(s order by id) from aria_engine.chat_sessions s) as sessions,
           (select json_agg(m order by id) from aria_engine.chat_messages m) as messages,
           (select count(*)::int from aria_engine.chat_sessions_archive) as archived_sessions,
           (select count(*)::int from aria_engine.chat_messages_archive) as archived_messages`);
  return rows[0];
}

/** Sessions as Aria leaves them: idle `minutes`, with `messages` messages and the count Aria wrote (or not). */
async function seed(kind: string, { minutes, messages, count }: { minutes: number; messages: number; count: number | null }) {
  const { rows } = await db.query(
    `insert into aria_engine.chat_sessions (agent_id, title, system_prompt, message_count, metadata, updated_at)
     values ('aria', $1, 'You are Aria.', $2, '{"source": "test"}', now() - make_interval(mins => $3)) returning id`,
    [kind, count, minutes],
  );
  for (let i = 0; i < messages; i++) {
    await db.query(
      `insert into aria_engine.chat_messages (session_id, role, content, tool_calls) values ($1, 'assistant', 'hi', '[{"name": "search"}]')`,
      [rows[0].id],
    );
  }
  return rows[0].id as string;
}

let schemaBefore: Awaited<ReturnType<typeof ariaSchema>>;

beforeAll(async () => {
  await db.query(await ariaSchemaSql('today'));
  schemaBefore = await ariaSchema();
});

afterAll(async () => {
  // Back to a fresh install on our own tables, whatever the tests above left.
  await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: Infinity, log: quiet });
  await db.query('drop schema aria_engine cascade; drop extension "uuid-ossp"');
  await migrateUp();
  await setCronJobsActive(db, false);
});

describe("session-sweeper on Aria's tables", () => {
  it('refuses a missing table, a missing column or a missing foreign key, naming it, and records nothing', async () => {
    const before = (await db.query('select * from session_sweeper.settings')).rows;
    await expect(migrateUp({ ...aria, sessions: 'aria_engine.chat_sesions' })).rejects.toThrow(
      /SESSIONS_TABLE names table "aria_engine.chat_sesions", which does not exist/,
    );
    await expect(migrateUp({ ...aria, messages: 'aria_engine.chat_sessions_archive' })).rejects.toThrow(
      /MESSAGES_TABLE table aria_engine.chat_sessions_archive lacks column\(s\) session_id/,
    );
    await expect(migrateUp({ ...aria, messages: 'aria_engine.chat_messages_archive' })).rejects.toThrow(
      /has no foreign key from session_id to SESSIONS_TABLE aria_engine.chat_sessions/,
    );
    await expect(migrateUp({ ...aria, archiveMessages: undefined })).rejects.toThrow(/go together/);
    expect((await db.query('select * from session_sweeper.settings')).rows).toEqual(before);
    expect(await ariaSchema()).toEqual(schemaBefore);
  });

  it('adopts them unaltered: records the settings, adds only the ghost index', async () => {
    await migrateUp(aria);
    const { rows } = await db.query(
      'select sessions_table, messages_table, archive_sessions_table, archive_messages_table from session_sweeper.settings',
    );
    expect(rows).toEqual([
      {
        sessions_table: aria.sessions,
        messages_table: aria.messages,
        archive_sessions_table: aria.archiveSessions,
        archive_messages_table: aria.archiveMessages,
      },
    ]);
    expect(await ariaSchema()).toEqual(schemaBefore);
    const { rows: ours } = await db.query(`select indexname from pg_indexes where schemaname = 'aria_engine' and indexname like 'session%'`);
    expect(ours).toEqual([{ indexname: 'session_sweeper_ghosts_idx' }]); // Aria's own indexes serve the rest
  });

  it("the ghost job's own command, run in psql with no environment, deletes exactly the idle ghosts", async () => {
    await db.query('truncate aria_engine.chat_sessions cascade');
    const kept = [
      await seed('conversation', { minutes: 60, messages: 3, count: 3 }),
      await seed('swarm, count never bumped', { minutes: 60, messages: 2, count: 0 }),
      await seed('roundtable, count NULL', { minutes: 60, messages: 1, count: null }),
      await seed('young ghost', { minutes: 5, messages: 0, count: 0 }),
      await seed('young ghost, count NULL', { minutes: 14, messages: 0, count: null }),
    ];
    await seed('idle ghost', { minutes: 16, messages: 0, count: 0 });
    await seed('idle ghost, count NULL', { minutes: 600, messages: 0, count: null });
    const messagesBefore = (await ariaRows()).messages;

    const { rows: job } = await db.query(`select command from cron.job where jobname = 'session_sweeper.ghost-sessions-purge'`);
    const psql = new pg.Client({ connectionString: databaseUrl(), application_name: 'psql' });
    await psql.connect();
    try {
      await psql.query(job[0].command);
    } finally {
      await psql.end();
    }
    const after = await ariaRows();
    expect(after.sessions.map((s: { id: string }) => s.id).sort()).toEqual([...kept].sort());
    expect(after.messages).toEqual(messagesBefore);
    const { rows: audit } = await db.query('select kind, deleted, source from session_sweeper.session_purge_log');
    expect(audit).toEqual([{ kind: 'ghost', deleted: 2, source: 'psql' }]);
  });

  it("passes the seed verification on Aria's tables, and counts a message of ours once", async () => {
    await db.query('truncate aria_engine.chat_sessions cascade');
    const logger = pino({ level: 'silent' });
    const pool = createPool(databaseUrl(), logger);
    const app = createApp({ store: createStore(pool), logger });
    const post = (path: string, body: unknown) =>
      app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const ghost = await post('/api/engine/sessions', { agent_id: 'test', title: 'ghost-test' });
      expect(ghost.status).toBe(201);
      expect(await ghost.json()).toMatchObject({ agent_id: 'test', title: 'ghost-test', message_count: 0 });
      const purged = await app.request('/api/engine/sessions/ghosts?older_than_minutes=0', { method: 'DELETE' });
      expect(await purged.json()).toEqual({ deleted: 1, status: 'ok' });
      const { rows } = await db.query('select count(*)::int as n from aria_engine.chat_sessions where coalesce(message_count, 0) = 0');
      expect(rows[0].n).toBe(0);

      const session = await (await post('/api/engine/sessions', { agent_id: 'test' })).json();
      const message = await post(`/api/engine/sessions/${session.id}/messages`, { role: 'user', content: 'hello' });
      expect(message.status).toBe(201);
      expect(await message.json()).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), session_id: session.id });
      const read = await (await app.request(`/api/engine/sessions/${session.id}`)).json();
      expect(read.message_count).toBe(1);

      const tooLong = await post('/api/engine/sessions', { agent_id: 'a'.repeat(150) }); // Aria: varchar(100)
      expect(tooLong.status).toBe(400);
      expect(await tooLong.json()).toMatchObject({ status: 'error', error: expect.stringMatching(/too long/) });
    } finally {
      await pool.end();
    }
  });

  it("migrating down to the start removes everything of ours and leaves Aria's rows as they were", async () => {
    await seed('conversation', { minutes: 60 * 24 * 40, messages: 2, count: 2 });
    await seed('ghost', { minutes: 60, messages: 0, count: null });
    const rowsBefore = await ariaRows();

    await migrate({ databaseUrl: databaseUrl(), direction: 'down', count: Infinity, log: quiet });
    expect(await ariaRows()).toEqual(rowsBefore);
    expect(await ariaSchema()).toEqual(schemaBefore);
    const { rows } = await db.query(`
      select (select count(*)::int from pg_indexes where indexname like 'session\\_sweeper\\_%') as our_indexes,
             (select count(*)::int from pg_class where relnamespace = 'session_sweeper'::regnamespace and relname not like 'pgmigrations%') as our_relations,
             (select count(*)::int from pg_proc where pronamespace = 'session_sweeper'::regnamespace) as our_routines,
             to_regclass('public.engine_chat_sessions') as our_old_tables`);
    expect(rows[0]).toEqual({ our_indexes: 0, our_relations: 0, our_routines: 0, our_old_tables: null });
  });
});
