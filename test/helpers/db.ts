import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeEach, inject } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { createStore } from '../../src/db/store.ts';
import { createApp } from '../../src/http/app.ts';
import { fileDatabase } from './file-database.ts';

export const databaseUrl = () => fileDatabase().databaseUrl;
/** greenfield: the tables the migration created (count trigger); aria: Aria's tables, adopted (Aria counts). */
export const layout = () => inject('layout');
export const pooledDatabaseUrl = () => fileDatabase().pooledDatabaseUrl;

/** A pool on the test database for this file, emptied before each test and closed after the file. */
export function useDatabase() {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 20 });
  beforeEach(async () => {
    const archive = layout() === 'aria' ? ', engine_chat_sessions_archive, engine_chat_messages_archive' : '';
    await pool.query(
      `truncate engine_chat_sessions, engine_chat_messages, session_sweeper.session_purge_log${archive}`,
    );
  });
  afterAll(() => pool.end());
  return pool;
}

/** The real app on the real database, with its own pool as in production, through PgBouncer (transaction mode). */
export function useApp({ apiTokens, maxBodyBytes }: { apiTokens?: string[]; maxBodyBytes?: number } = {}) {
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const pool = createPool(pooledDatabaseUrl(), logger);
  const app = createApp({ store: createStore(pool), logger, apiTokens, maxBodyBytes });
  afterAll(() => pool.end());
  return app;
}

type SessionSeed = { idleMinutes?: number; createdMinutesAgo?: number; messages?: number };

/** Inserts a session with `messages` messages, last active `idleMinutes` ago. */
export async function insertSession(
  db: pg.Pool,
  { idleMinutes = 0, createdMinutesAgo, messages = 0 }: SessionSeed = {},
) {
  const { rows } = await db.query(
    `insert into engine_chat_sessions (agent_id, title) values ('agent', 'test') returning id`,
  );
  const id: string = rows[0].id;
  for (let i = 0; i < messages; i++) {
    await db.query(`insert into engine_chat_messages (session_id, role, content) values ($1, 'user', 'hi')`, [id]);
  }
  // After the messages: the trigger (greenfield) sets updated_at on every message; on Aria's tables the writer
  // sets message_count, as Aria's add_message does.
  await db.query(
    `update engine_chat_sessions
     set created_at = now() - make_interval(mins => $2), updated_at = now() - make_interval(mins => $3), message_count = $4
     where id = $1`,
    [id, createdMinutesAgo ?? idleMinutes, idleMinutes, messages],
  );
  return id;
}

export async function countSessions(db: pg.Pool): Promise<number> {
  const { rows } = await db.query('select count(*)::int as n from engine_chat_sessions');
  return rows[0].n;
}

/**
 * pool.end() resolves before its connections have closed. A server stopped meanwhile terminates them (57P01), and the
 * pool, having no 'error' listener, throws that as an uncaught exception: wait until each one is gone.
 */
export async function endPool(pool: pg.Pool | undefined) {
  if (!pool) return;
  const open = pool.totalCount;
  let removed = 0;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) resolve();
    pool.on('remove', () => ++removed === open && resolve());
  });
  await pool.end();
  await closed;
}
