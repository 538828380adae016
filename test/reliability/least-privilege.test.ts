// Item: the service's database role can do what the routes need and nothing that deletes rows or changes the schema.
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createPool } from '../../src/db/pool.ts';
import { createStore } from '../../src/db/store.ts';
import { countSessions, databaseUrl, insertSession, useDatabase } from '../helpers/db.ts';
import { startService } from '../helpers/service.ts';

const SERVICE_ROLE = 'session_sweeper_api';
const LOGIN = 'sweeper_test_login'; // what an operator creates and grants the service role to
const STRANGER = 'sweeper_test_stranger'; // any other login of the database

// A password, because a server may ask for one (the Docker provider's does; the local cluster trusts 127.0.0.1).
const PASSWORD = 'least-privilege-test';

const db = useDatabase();
const urlAs = (user: string) => {
  const url = new URL(databaseUrl());
  url.username = user;
  url.password = PASSWORD;
  return url.toString();
};
let asService: pg.Pool;
let asStranger: pg.Pool;

beforeAll(async () => {
  await db.query(`drop role if exists ${LOGIN}; drop role if exists ${STRANGER}`);
  await db.query(
    `create role ${LOGIN} login password '${PASSWORD}'; grant ${SERVICE_ROLE} to ${LOGIN};
     create role ${STRANGER} login password '${PASSWORD}'`,
  );
  asService = new pg.Pool({ connectionString: urlAs(LOGIN), max: 2 });
  asStranger = new pg.Pool({ connectionString: urlAs(STRANGER), max: 1 });
});
afterAll(async () => {
  await Promise.all([asService.end(), asStranger.end()]);
  await db.query(`drop role ${LOGIN}; drop role ${STRANGER}`);
});

describe('the service role', () => {
  it('is NOLOGIN, not a superuser, and owns nothing', async () => {
    const { rows } = await db.query(
      `select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls,
              (select count(*)::int from pg_class where relowner = r.oid) as owned
       from pg_roles r where rolname = $1`,
      [SERVICE_ROLE],
    );
    expect(rows).toEqual([
      { rolcanlogin: false, rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false, owned: 0 },
    ]);
  });

  it.each([
    ['delete from engine_chat_sessions'],
    ['delete from engine_chat_messages'],
    ['truncate engine_chat_sessions'],
    ['update engine_chat_sessions set message_count = 0'],
    ['insert into engine_chat_sessions (agent_id, message_count) values ($$a$$, 5)'],
    ['insert into engine_chat_messages (session_id, role, content) select id, $$r$$, $$c$$ from engine_chat_sessions'],
    ['create table sweeper_intruder (id int)'],
    ['drop function session_sweeper.delete_ghost_sessions(int, boolean)'],
    ['select session_sweeper.prune_old_sessions(0)'],
    ['select session_sweeper.delete_old_cron_history(0)'],
    ['call session_sweeper.purge_ghost_sessions(0)'],
    ['select session_sweeper.delete_ghost_sessions_batch(now(), null)'],
    [`select session_sweeper.use_tables('public.engine_chat_messages', 'public.engine_chat_messages')`],
    ['select cron.schedule($$x$$, $$* * * * *$$, $$delete from engine_chat_sessions$$)'],
    ['update cron.job set active = false'],
    ['select session_sweeper.session_sweeper_set_active($$session_sweeper.old-sessions-prune$$, true)'],
    ['select session_sweeper.session_sweeper_set_schedule($$session_sweeper.old-sessions-prune$$, $$* * * * *$$)'],
  ])('is refused: %s', async (sql) => {
    await insertSession(db, { idleMinutes: 60 * 24 * 60, messages: 1 });
    await expect(asService.query(sql)).rejects.toMatchObject({ code: '42501' });
    expect(await countSessions(db)).toBe(1);
    const { rows } = await db.query('select message_count from engine_chat_sessions');
    expect(rows[0].message_count).toBe(1);
  });

  it('serves every route when the service runs as it', async () => {
    const logger = pino({ level: 'silent' });
    const pool = createPool(urlAs(LOGIN), logger);
    const app = createApp({ store: createStore(pool), logger });
    try {
      const post = (path: string, body: unknown) =>
        app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const created = await post('/api/engine/sessions', { agent_id: 'least-privilege', title: 't' });
      expect(created.status).toBe(201);
      const { id } = await created.json();
      expect((await app.request(`/api/engine/sessions/${id}`)).status).toBe(200);
      expect((await post(`/api/engine/sessions/${id}/messages`, { role: 'user', content: 'hi' })).status).toBe(201);
      const ghost = await insertSession(db, { idleMinutes: 60 });
      const purge = await app.request('/api/engine/sessions/ghosts?older_than_minutes=30', { method: 'DELETE' });
      expect(await purge.json()).toEqual({ deleted: 1, status: 'ok' });
      expect((await post(`/api/engine/sessions/${ghost}/messages`, { role: 'user', content: 'late' })).status).toBe(404);
      expect((await app.request('/readyz')).status).toBe(200);
      const jobs = await app.request('/api/engine/jobs');
      expect(jobs.status).toBe(200);
      expect(JSON.stringify(await jobs.json())).toContain('session_sweeper.ghost-sessions-purge');
      expect(await (await app.request('/api/engine/sessions/ghosts?older_than_minutes=0')).json()).toMatchObject({ ghosts: 0 });
      const dryRun = await app.request('/api/engine/sessions/ghosts?older_than_minutes=0&dry_run=true', { method: 'DELETE' });
      expect(await dryRun.json()).toEqual({ deleted: 0, dry_run: true, status: 'ok' });
      expect((await (await app.request('/api/engine/purges')).json()).purges).toHaveLength(2);
      expect(await (await app.request('/api/engine/stats')).json()).toMatchObject({ sessions_total: 1 });
      // Pausing and resuming one of our jobs: through the SECURITY DEFINER functions, as the jobs' owner.
      const jobActive = async () =>
        (await db.query(`select active from cron.job where jobname = 'session_sweeper.old-sessions-prune'`)).rows[0].active;
      expect((await app.request('/api/engine/jobs/session_sweeper.old-sessions-prune/resume', { method: 'POST' })).status).toBe(200);
      expect(await jobActive()).toBe(true);
      expect((await app.request('/api/engine/jobs/session_sweeper.old-sessions-prune/pause', { method: 'POST' })).status).toBe(200);
      expect(await jobActive()).toBe(false);
      const metrics = await (await app.request('/metrics')).text();
      expect(metrics).toMatch(/^session_sweeper_database_up 1$/m);
      const { rows } = await db.query('select id, message_count from engine_chat_sessions');
      expect(rows).toEqual([{ id, message_count: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('runs the real service as it, migrating at start-up as the owner with MIGRATION_DATABASE_URL', async () => {
    const service = await startService({ DATABASE_URL: urlAs(LOGIN), MIGRATION_DATABASE_URL: databaseUrl() });
    try {
      const created = await fetch(`${service.baseUrl}/api/engine/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: 'as-service-role' }),
      });
      expect(created.status).toBe(201);
      const { rows } = await db.query(
        `select count(*)::int as n from pg_stat_activity where application_name = 'session-sweeper' and usename = $1`,
        [LOGIN],
      );
      expect(rows[0].n).toBeGreaterThan(0);
    } finally {
      service.kill('SIGTERM');
      expect(await service.exited).toBe(0);
    }
  });

  it('is the only one besides the owner that may call the functions: PUBLIC may not', async () => {
    await insertSession(db, { idleMinutes: 60 });
    for (const sql of [
      'select session_sweeper.delete_ghost_sessions(0)',
      'select session_sweeper.prune_old_sessions(0)',
      `select session_sweeper.log_session_purge('ghost', interval '0', false, 1000)`,
      `select session_sweeper.session_sweeper_pause()`,
      `select * from session_sweeper.add_session_message(gen_random_uuid(), 'user', 'x')`,
    ]) {
      await expect(asStranger.query(sql)).rejects.toMatchObject({ code: '42501' });
    }
    expect(await countSessions(db)).toBe(1);
  });

  it('calls functions that delete as SECURITY DEFINER with a fixed search_path', async () => {
    const { rows } = await db.query(
      `select proname, prosecdef, proconfig from pg_proc
       where pronamespace = 'session_sweeper'::regnamespace
         and proname in ('delete_ghost_sessions', 'prune_old_sessions', 'delete_old_cron_history', 'add_session_message',
                         'create_session', 'find_session', 'count_ghost_sessions', 'count_sessions',
                         'session_sweeper_pause', 'session_sweeper_resume')
       order by proname`,
    );
    expect(rows).toHaveLength(10);
    for (const row of rows) {
      expect(row).toMatchObject({ prosecdef: true, proconfig: ['search_path=pg_catalog, pg_temp'] });
    }
  });
});
