import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { countSessions, databaseUrl, insertSession, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const MONTH = 60 * 24 * 31;

/** A new connection, as pg_cron's next run opens one, with `session_sweeper.batch_pause_ms` set for the database. */
async function withDatabasePause<T>(value: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const { rows } = await db.query('select current_database() as name');
  const database = pg.escapeIdentifier(rows[0].name);
  await db.query(`alter database ${database} set session_sweeper.batch_pause_ms = ${pg.escapeLiteral(value)}`);
  const client = new pg.Client({ connectionString: databaseUrl() });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end();
    await db.query(`alter database ${database} reset session_sweeper.batch_pause_ms`);
  }
}

const elapsedMs = async (fn: () => Promise<unknown>) => {
  const start = performance.now();
  await fn();
  return performance.now() - start;
};

describe('session_sweeper.batch_pause_ms, the pause between batches', () => {
  it('pauses the ghost purge after each full batch, as ALTER DATABASE ... SET says', async () => {
    for (let i = 0; i < 4; i++) await insertSession(db, { idleMinutes: 60 });
    // Four full batches of one, each followed by a pause, then an empty batch that ends the run.
    const ms = await withDatabasePause('200', (client) =>
      elapsedMs(() => client.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 1)')),
    );
    expect(await countSessions(db)).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(4 * 200);
  });

  it('pauses the archiving prune too, and reports each batch with its time', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: MONTH, messages: 2 });
    const messages: string[] = [];
    const ms = await withDatabasePause('200', async (client) => {
      client.on('notice', (notice) => messages.push(notice.message ?? ''));
      await client.query('set client_min_messages = debug1');
      return elapsedMs(() => client.query('call session_sweeper.purge_old_sessions(30, batch_size => 1)'));
    });
    expect(await countSessions(db)).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(3 * 200);
    expect(
      messages.filter((m) => /^purge_old_sessions: batch of 1 sessions, 2 messages in \d+ ms$/.test(m)),
    ).toHaveLength(3);
  });

  it('takes no pause when set to 0', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: 60 });
    await withDatabasePause('0', (client) =>
      client.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 1)'),
    );
    const { rows } = await db.query(`select deleted from session_sweeper.session_purge_log where kind = 'ghost'`);
    expect(rows).toEqual([{ deleted: 3 }]);
  });

  it.each(['abc', '-5', '1.5', '10001'])(
    'refuses %s with an error naming the setting, before deleting anything',
    async (value) => {
      await insertSession(db, { idleMinutes: 60 });
      await insertSession(db, { idleMinutes: MONTH, messages: 1 });
      for (const call of [
        'call session_sweeper.purge_ghost_sessions(15)',
        'call session_sweeper.purge_old_sessions(30)',
      ]) {
        await withDatabasePause(value, (client) =>
          expect(client.query(call)).rejects.toMatchObject({
            code: '22023',
            message: expect.stringContaining(
              `session_sweeper.batch_pause_ms must be a whole number of milliseconds from 0 to 10000, got '${value}'`,
            ),
          }),
        );
      }
      expect(await countSessions(db)).toBe(2);
    },
  );
});
