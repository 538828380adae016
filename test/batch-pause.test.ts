import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { countSessions, databaseUrl, insertSession, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const MONTH = 60 * 24 * 31;

/** A new connection, as pg_cron's next run opens one, with these `session_sweeper.*` settings set for the database. */
async function withDatabaseSettings<T>(
  settings: Record<string, string>,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const { rows } = await db.query('select current_database() as name');
  const database = pg.escapeIdentifier(rows[0].name);
  for (const [name, value] of Object.entries(settings)) {
    await db.query(`alter database ${database} set session_sweeper.${name} = ${pg.escapeLiteral(value)}`);
  }
  const client = new pg.Client({ connectionString: databaseUrl() });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.end();
    for (const name of Object.keys(settings))
      await db.query(`alter database ${database} reset session_sweeper.${name}`);
  }
}

const withDatabasePause = <T>(value: string, fn: (client: pg.Client) => Promise<T>) =>
  withDatabaseSettings({ batch_pause_ms: value }, fn);

/** The ghost purge's debug line for each batch: how many ghosts it deleted. */
async function ghostBatches(client: pg.Client, call: string): Promise<number[]> {
  const sizes: number[] = [];
  client.on('notice', (notice) => {
    const match = notice.message?.match(/^purge_ghost_sessions: batch of (\d+) ghosts in \d+ ms$/);
    if (match) sizes.push(Number(match[1]));
  });
  await client.query('set client_min_messages = debug1');
  await client.query(call);
  return sizes;
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

describe("session_sweeper.ghosts_per_second, the ghost purge's rate limit", () => {
  it("deletes in batches of a third of a second's worth and waits out each batch's share of a second", async () => {
    for (let i = 0; i < 20; i++) await insertSession(db, { idleMinutes: 60 });
    let batches: number[] = [];
    const ms = await withDatabaseSettings({ ghosts_per_second: '20', batch_pause_ms: '0' }, (client) =>
      elapsedMs(async () => {
        batches = await ghostBatches(client, 'call session_sweeper.purge_ghost_sessions(15)');
      }),
    );
    expect(await countSessions(db)).toBe(0);
    // 20 per second: batches of 6; the three full ones are each followed by the rest of 6/20 s.
    expect(batches).toEqual([6, 6, 6, 2]);
    expect(ms).toBeGreaterThanOrEqual(3 * 300);
  });

  it('takes batches of batch_size when set to 0 (no limit)', async () => {
    for (let i = 0; i < 20; i++) await insertSession(db, { idleMinutes: 60 });
    const batches = await withDatabaseSettings({ ghosts_per_second: '0', batch_pause_ms: '0' }, (client) =>
      ghostBatches(client, 'call session_sweeper.purge_ghost_sessions(15, batch_size => 8)'),
    );
    expect(batches).toEqual([8, 8, 4]);
    expect(await countSessions(db)).toBe(0);
  });

  it('keeps batch_pause_ms as the least pause between batches', async () => {
    for (let i = 0; i < 4; i++) await insertSession(db, { idleMinutes: 60 });
    const ms = await withDatabaseSettings({ ghosts_per_second: '1000', batch_pause_ms: '200' }, (client) =>
      elapsedMs(() => client.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 1)')),
    );
    expect(await countSessions(db)).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(4 * 200);
  });

  it.each(['abc', '-5', '1.5', '1000001'])(
    'refuses %s with an error naming the setting, before deleting anything',
    async (value) => {
      await insertSession(db, { idleMinutes: 60 });
      await withDatabaseSettings({ ghosts_per_second: value }, (client) =>
        expect(client.query('call session_sweeper.purge_ghost_sessions(15)')).rejects.toMatchObject({
          code: '22023',
          message: expect.stringContaining(
            `session_sweeper.ghosts_per_second must be a whole number of ghosts a second from 0 to 1000000, got '${value}'`,
          ),
        }),
      );
      expect(await countSessions(db)).toBe(1);
    },
  );
});
