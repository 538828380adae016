// Item: a manual purge cannot run for ever nor pile up behind another one.
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { createPool, QUERY_TIMEOUTS, queryWithTimeouts, withLiterals } from '../../src/db/pool.ts';
import { countSessions, pooledDatabaseUrl, useApp, useDatabase } from '../helpers/db.ts';

const db = useDatabase();
const app = useApp();
const purge = (minutes: number) =>
  app.request(`/api/engine/sessions/ghosts?older_than_minutes=${minutes}`, { method: 'DELETE' });

async function insertGhosts(count: number, idleMinutes: number) {
  await db.query(
    `insert into engine_chat_sessions (agent_id, updated_at)
     select 'ghost', now() - make_interval(mins => $2) from generate_series(1, $1)`,
    [count, idleMinutes],
  );
}

describe('purge guard rails', () => {
  it('a second purge does not wait for one in progress: it skips the rows held and answers its own count', async () => {
    await insertGhosts(2_000, 60);
    await insertGhosts(1_000, 10);
    const first = await db.connect();
    try {
      // A purge in progress (as pg_cron's would be): it holds the 2,000 older ghosts until it commits.
      await first.query('begin');
      const { rows } = await first.query('select session_sweeper.delete_ghost_sessions(30) as deleted');
      expect(rows[0].deleted).toBe(2_000);

      // Were it waiting for those rows, this would not answer before the commit below.
      const second = await purge(0);
      expect(second.status).toBe(200);
      expect(await second.json()).toEqual({ deleted: 1_000, status: 'ok' });
      await first.query('commit');
    } finally {
      first.release();
    }
    expect(await countSessions(db)).toBe(0);
  });

  it('purges at once share the ghosts between them, none deleted twice', async () => {
    await insertGhosts(5_000, 60);
    const responses = await Promise.all(Array.from({ length: 4 }, () => purge(0)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const counts = await Promise.all(responses.map(async (r) => (await r.json()).deleted));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5_000);
    expect(await countSessions(db)).toBe(0);
  });

  it('runs with a statement and a lock timeout, so a blocked purge ends with 503 instead of hanging', async () => {
    // Through PgBouncer, as the app's pool: the timeouts hold in the transaction, and do not outlive it.
    const pool = createPool(pooledDatabaseUrl(), pino({ level: 'silent' }));
    const settings = `select current_setting('statement_timeout') as statement, current_setting('lock_timeout') as lock`;
    try {
      expect((await queryWithTimeouts(pool)(settings)).rows[0]).toEqual({ statement: '30s', lock: '5s' });
      expect((await pool.query(settings)).rows[0]).toEqual({ statement: '0', lock: '0' });
    } finally {
      await pool.end();
    }

    const client = await db.connect();
    try {
      await insertGhosts(10, 60);
      await client.query('begin');
      await client.query('lock table engine_chat_sessions in access exclusive mode');
      const response = await purge(0);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toEqual({ status: 'error', error: 'database unavailable, retry later' });
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await countSessions(db)).toBe(10);
    // The pool is still usable after the timeout.
    expect(await (await purge(0)).json()).toEqual({ deleted: 10, status: 'ok' });
  }, 20_000);

  it('the statement timeout ends the query sent with it, through PgBouncer, and the connection serves again', async () => {
    // The settings and the query travel as one message: this proves the query runs under them (30 s in the service).
    const pool = createPool(pooledDatabaseUrl(), pino({ level: 'silent' }));
    try {
      const query = queryWithTimeouts(pool, { ...QUERY_TIMEOUTS, statementTimeoutMs: 300 });
      const started = performance.now();
      await expect(query('select pg_sleep(10)')).rejects.toMatchObject({ code: '57014' });
      expect(performance.now() - started).toBeLessThan(5_000);
      expect((await query(`select current_setting('statement_timeout') as statement`)).rows[0]).toEqual({ statement: '300ms' });
    } finally {
      await pool.end();
    }
  });

  it('sends values as literals that mean what bind parameters meant, and refuses what it cannot send', async () => {
    const pool = createPool(pooledDatabaseUrl(), pino({ level: 'silent' }));
    try {
      const query = queryWithTimeouts(pool);
      const tricky = `it's \\ a "test" $2 $$ --\n; drop table engine_chat_sessions; é 🙂`;
      const { rows } = await query('select $1::text as text, $2::int + 1 as int, $3::boolean as bool, $4::text as nothing, $1 = $5 as same', [
        tricky,
        41,
        false,
        null,
        tricky,
      ]);
      expect(rows[0]).toEqual({ text: tricky, int: 42, bool: false, nothing: null, same: true });
      // Untyped, as a parameter: the function's argument types decide.
      expect((await query('select session_sweeper.delete_ghost_sessions($1, dry_run => $2) as n', [15, true])).rows[0]).toEqual({ n: 0 });
      for (const value of [{}, Number.NaN, 'a\0b', undefined]) {
        await expect(query('select $1', [value])).rejects.toThrow(/not sent to PostgreSQL as a literal/);
      }
    } finally {
      await pool.end();
    }
    expect(withLiterals('select $1, $10', ['$10', ...Array(8).fill(null), 'x'])).toBe(`select '$10', 'x'`);
  });
});
