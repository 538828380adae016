// Item: on Aria's tables, the ghost purge never deletes a session that has a message, whichever of Aria's three
// ways of writing messages races it (aria_engine/session_manager.py, swarm.py and roundtable.py, streaming.py).
// Runs in the "aria" project only: on our own tables a count trigger would count Aria's own bumps twice.
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { mapConcurrently } from './helpers/concurrency.ts';
import { useDatabase } from './helpers/db.ts';

const db = useDatabase();

const SESSIONS_PER_PATTERN = 1000;
const WRITERS = 12;
const MAX_RACE_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Pattern = 'count in the same transaction' | 'no count' | 'count in a second transaction';
type Outcome = 'written' | 'refused by the foreign key' | 'session gone before the insert';

/** Aria's three write paths, as its code issues them (same statements, same transactions). */
async function writeAsAria(client: pg.PoolClient, pattern: Pattern, sessionId: string): Promise<Outcome> {
  const insert = `insert into engine_chat_messages (session_id, role, content) values ($1, 'user', 'hello')`;
  const bump = 'update engine_chat_sessions set updated_at = now(), message_count = message_count + 1 where id = $1';
  try {
    await client.query('begin');
    if (pattern === 'count in the same transaction') {
      // session_manager.add_message: checks the session, inserts, bumps the count, one transaction.
      const { rowCount } = await client.query('select id from engine_chat_sessions where id = $1', [sessionId]);
      if (!rowCount) {
        await client.query('rollback');
        return 'session gone before the insert';
      }
      await client.query(insert, [sessionId]);
      await client.query(bump, [sessionId]);
      await client.query('commit');
    } else {
      // swarm/roundtable _persist_message: the message alone. streaming: the same, then the count apart.
      await client.query(insert, [sessionId]);
      await client.query('commit');
      if (pattern === 'count in a second transaction') await client.query(bump, [sessionId]);
    }
    return 'written';
  } catch (error) {
    await client.query('rollback');
    if ((error as { code?: string }).code === '23503') return 'refused by the foreign key';
    throw error;
  }
}

describe("the ghost purge against Aria's write patterns", () => {
  it('loses no message: every write either lands (and its session survives) or is refused', async () => {
    const patterns: Pattern[] = ['count in the same transaction', 'no count', 'count in a second transaction'];
    let racing = true;
    let deleted = 0;
    const started = Date.now();
    const purge = async (sql: string) => {
      while (racing && Date.now() - started < MAX_RACE_MS) {
        const result = await db.query(sql);
        deleted += sql.startsWith('call') ? result.rows[0].deleted : result.rows[0].n;
        await sleep(10);
      }
    };
    const purging = Promise.all([
      purge('select session_sweeper.delete_ghost_sessions(15) as n'),
      purge('call session_sweeper.purge_ghost_sessions(15, 50)'),
    ]);
    const clients = await Promise.all(Array.from({ length: WRITERS }, () => db.connect()));
    const free = [...clients];
    const work = Array.from(
      { length: SESSIONS_PER_PATTERN * patterns.length },
      (_, i) => patterns[i % patterns.length],
    );
    const outcomes = await mapConcurrently(work, WRITERS, async (pattern) => {
      const client = free.pop()!;
      try {
        // A ghost idle 20 minutes (count 0 or NULL, as Aria leaves them): due for the purge until its message lands.
        const { rows } = await client.query(
          `insert into engine_chat_sessions (agent_id, message_count, updated_at)
           values ('race', case when random() < 0.5 then 0 end, now() - interval '20 minutes') returning id`,
        );
        await sleep(Math.random() * 15);
        return { id: rows[0].id as string, pattern, outcome: await writeAsAria(client, pattern, rows[0].id) };
      } finally {
        free.push(client);
      }
    }).finally(() => (racing = false));
    await purging;
    for (const client of clients) client.release();
    // One last purge: the swarm sessions (count still 0 or NULL, idle 20 minutes, a message each) must survive it.
    deleted += (await db.query('select session_sweeper.delete_ghost_sessions(15) as n')).rows[0].n;

    const written = outcomes
      .filter((o) => o.outcome === 'written')
      .map((o) => o.id)
      .sort();
    const refused = outcomes.length - written.length;
    // The race really happened, for each pattern: some writes beat the purge and some lost to it.
    for (const pattern of patterns) {
      const mine = outcomes.filter((o) => o.pattern === pattern);
      expect(
        mine.some((o) => o.outcome === 'written'),
        pattern,
      ).toBe(true);
      expect(
        mine.some((o) => o.outcome !== 'written'),
        pattern,
      ).toBe(true);
    }
    const { rows: surviving } = await db.query('select id from engine_chat_sessions order by id');
    expect(surviving.map((r) => r.id)).toEqual(written);
    expect(deleted).toBe(refused);
    const { rows: check } = await db.query(`
      select (select count(*)::int from engine_chat_messages) as messages,
             (select count(*)::int from engine_chat_sessions s
               where not exists (select from engine_chat_messages m where m.session_id = s.id)) as without_message`);
    expect(check[0]).toEqual({ messages: written.length, without_message: 0 });
  }, 120_000);
});
