import { describe, expect, it } from 'vitest';
import { countSessions, insertSession, useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();

const purge = (query = '') => app.request(`/api/engine/sessions/ghosts${query}`, { method: 'DELETE' });

describe('DELETE /api/engine/sessions/ghosts', () => {
  it('passes the seed verification: a new ghost is purged with older_than_minutes=0', async () => {
    const created = await app.request('/api/engine/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'test', title: 'ghost-test' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ agent_id: 'test', title: 'ghost-test', message_count: 0 });

    const purged = await purge('?older_than_minutes=0');
    expect(purged.status).toBe(200);
    expect(await purged.json()).toEqual({ deleted: 1, status: 'ok' });

    const { rows } = await db.query('select count(*)::int as n from engine_chat_sessions where message_count = 0');
    expect(rows[0].n).toBe(0);
  });

  it("uses the ghost job's threshold, session_sweeper.ghost_idle_minutes() (15), when older_than_minutes is absent", async () => {
    const idle16 = await insertSession(db, { idleMinutes: 16 });
    const idle14 = await insertSession(db, { idleMinutes: 14 });

    const response = await purge();
    expect(await response.json()).toEqual({ deleted: 1, status: 'ok' });
    const { rows } = await db.query('select id from engine_chat_sessions');
    expect(rows.map((r) => r.id)).toEqual([idle14]);
    expect(rows.map((r) => r.id)).not.toContain(idle16);
  });

  it('never deletes a session that has messages, however old', async () => {
    const withMessage = await insertSession(db, { idleMinutes: 60 * 24 * 29, messages: 1 });
    await insertSession(db, { idleMinutes: 60 });

    expect(await (await purge('?older_than_minutes=0')).json()).toEqual({ deleted: 1, status: 'ok' });
    const { rows } = await db.query('select id, message_count from engine_chat_sessions');
    expect(rows).toEqual([{ id: withMessage, message_count: 1 }]);
  });

  it('judges idleness by updated_at, not created_at', async () => {
    const oldButActive = await insertSession(db, { createdMinutesAgo: 600, idleMinutes: 5 });
    const newButIdle = await insertSession(db, { createdMinutesAgo: 20, idleMinutes: 20 });

    expect(await (await purge('?older_than_minutes=15')).json()).toEqual({ deleted: 1, status: 'ok' });
    const { rows } = await db.query('select id from engine_chat_sessions');
    expect(rows.map((r) => r.id)).toEqual([oldButActive]);
    expect(rows.map((r) => r.id)).not.toContain(newButIdle);
  });

  it.each([
    ['?older_than_minutes=-1', 'whole number'],
    ['?older_than_minutes=1.5', 'whole number'],
    ['?older_than_minutes=abc', 'whole number'],
    ['?older_than_minutes=', 'whole number'],
    ['?older_than_minutes=%20', 'whole number'],
    ['?older_than_minutes=1e3', 'whole number'],
    ['?older_than_minutes=525601', 'at most 525600'],
    ['?older_than_minutes=99999999999999999999', 'at most 525600'],
  ])('answers 400 to %s and deletes nothing', async (query, message) => {
    await insertSession(db, { idleMinutes: 60 * 24 * 400 });
    const response = await purge(query);
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toEqual({ status: 'error', error: expect.stringContaining(message) });
    expect(await countSessions(db)).toBe(1);
  });

  it('accepts the largest threshold, a year', async () => {
    await insertSession(db, { idleMinutes: 525_601 });
    expect(await (await purge('?older_than_minutes=525600')).json()).toEqual({ deleted: 1, status: 'ok' });
  });
});

describe('delete_ghost_sessions(minutes) in SQL', () => {
  it.each([['null'], ['-1']])('rejects %s with SQLSTATE 22023 and deletes nothing', async (arg) => {
    await insertSession(db, { idleMinutes: 60 });
    await expect(db.query(`select session_sweeper.delete_ghost_sessions(${arg})`)).rejects.toMatchObject({
      code: '22023',
      message: expect.stringContaining('non-negative'),
    });
    expect(await countSessions(db)).toBe(1);
  });

  it('returns how many ghosts it deleted', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 5 });
    const { rows } = await db.query('select session_sweeper.delete_ghost_sessions(15) as deleted');
    expect(rows[0].deleted).toBe(3);
    expect(await countSessions(db)).toBe(1);
  });

  it('starts its walk at scan_from and reports in scanned_to how far it went', async () => {
    const [, second, third] = [
      await insertSession(db, { idleMinutes: 50 }),
      await insertSession(db, { idleMinutes: 40 }),
      await insertSession(db, { idleMinutes: 30 }),
    ];
    const updatedAt = async (id: string) =>
      (await db.query('select updated_at from engine_chat_sessions where id = $1', [id])).rows[0].updated_at;
    const secondUpdatedAt = await updatedAt(second);
    const thirdUpdatedAt = await updatedAt(third);
    const batch = async (scanFrom: Date | null) =>
      (
        await db.query(
          `select b.deleted, b.scanned_to from session_sweeper.delete_ghost_sessions_batch(
             now() - interval '15 minutes', 2, coalesce($1::timestamptz, '-infinity')) b`,
          [scanFrom],
        )
      ).rows[0];

    expect(await batch(null)).toEqual({ deleted: 2, scanned_to: secondUpdatedAt });
    // A ghost behind the walk (idle longer than where it stopped) is left for the next run.
    const behind = await insertSession(db, { idleMinutes: 60 });
    expect(await batch(secondUpdatedAt)).toEqual({ deleted: 1, scanned_to: thirdUpdatedAt });
    expect((await db.query('select id from engine_chat_sessions')).rows).toEqual([{ id: behind }]);
    expect(await batch(null)).toMatchObject({ deleted: 1 });
  });

  it('skips a ghost whose row a writer holds, and takes it on the next run', async () => {
    const held = await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 30 });
    const writer = await db.connect();
    try {
      await writer.query('begin');
      await writer.query('select from engine_chat_sessions where id = $1 for update', [held]);
      const { rows } = await db.query('select session_sweeper.delete_ghost_sessions(15) as deleted');
      expect(rows[0].deleted).toBe(1);
      await writer.query('rollback');
    } finally {
      writer.release();
    }
    const { rows } = await db.query('select session_sweeper.delete_ghost_sessions(15) as deleted');
    expect(rows[0].deleted).toBe(1);
    expect(await countSessions(db)).toBe(0);
  });
});

describe('purge_ghost_sessions(minutes, batch_size) procedure, as the cron job calls it', () => {
  it('deletes the whole backlog in batches and returns the total', async () => {
    for (let i = 0; i < 5; i++) await insertSession(db, { idleMinutes: 30 });
    const keeper = await insertSession(db, { idleMinutes: 30, messages: 1 });
    await insertSession(db, { idleMinutes: 5 });

    const { rows } = await db.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 2)');
    expect(rows[0].deleted).toBe(5);
    const { rows: left } = await db.query(
      'select id, message_count from engine_chat_sessions order by message_count desc',
    );
    expect(left.map((r) => r.id)[0]).toBe(keeper);
    expect(left).toHaveLength(2);
  });

  it('deletes every ghost of a backlog whose ghosts share one idle time across batches', async () => {
    for (let i = 0; i < 5; i++) await insertSession(db, { idleMinutes: 30 });
    await db.query(`update engine_chat_sessions set updated_at = date_trunc('minute', now()) - interval '30 minutes'`);

    const { rows } = await db.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 2)');
    expect(rows[0].deleted).toBe(5);
    expect(await countSessions(db)).toBe(0);
  });

  it('walks past the sessions with messages but a count of 0 once per run, not once per batch', async () => {
    // Aria's swarm sessions: messages, message_count never bumped. Idle longer than the ghosts, so a batch that
    // walked the ghost index from its start would probe all of them again.
    const swarm = 50;
    for (let i = 0; i < swarm; i++) await insertSession(db, { idleMinutes: 120, messages: 1 });
    await db.query('update engine_chat_sessions set message_count = 0');
    for (let i = 0; i < 5; i++) await insertSession(db, { idleMinutes: 30 + i });
    const client = await db.connect();
    try {
      // Index scans on the messages table: each probe for a session's messages is one.
      const messageIndexScans = async () => {
        await client.query('select pg_stat_force_next_flush()'); // this backend's counts, flushed once it is idle
        await client.query('select pg_stat_clear_snapshot()');
        const { rows } = await client.query(
          `select idx_scan from pg_stat_user_tables where relid = 'engine_chat_messages'::regclass`,
        );
        return Number(rows[0].idx_scan);
      };
      const before = await messageIndexScans();
      const { rows } = await client.query('call session_sweeper.purge_ghost_sessions(15, batch_size => 1)');
      expect(rows[0].deleted).toBe(5);
      // Six batches that each walked from the start would probe the swarm sessions 300 times.
      expect((await messageIndexScans()) - before).toBeLessThan(2 * swarm);
    } finally {
      client.release();
    }
    expect(await countSessions(db)).toBe(swarm);
  });

  it('commits each batch: a batch already deleted stays deleted when a later one fails', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: 30 });
    const client = await db.connect();
    try {
      // The second batch hits the statement timeout set below; the first one (2 rows) was committed already.
      await client.query(`create temp table batches (n int)`);
      await client.query(`
        create function pg_temp.slow_second_batch() returns trigger language plpgsql as $$
        begin
          insert into batches values (1);
          if (select count(*) from batches) > 2 then perform pg_sleep(5); end if;
          return old;
        end $$`);
      await client.query(`create trigger slow before delete on engine_chat_sessions
        for each row execute function pg_temp.slow_second_batch()`);
      await client.query(`set statement_timeout = '1s'`);
      await expect(client.query('call session_sweeper.purge_ghost_sessions(15, 2)')).rejects.toMatchObject({
        code: '57014',
      });
    } finally {
      await client.query(`drop trigger if exists slow on engine_chat_sessions`);
      client.release(true);
    }
    expect(await countSessions(db)).toBe(1);
  });

  it('skips a ghost whose row a writer holds instead of waiting for it', async () => {
    const held = await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 30 });
    const writer = await db.connect();
    try {
      await writer.query('begin');
      await writer.query('select from engine_chat_sessions where id = $1 for key share', [held]);
      const { rows } = await db.query('call session_sweeper.purge_ghost_sessions(15, 1)');
      expect(rows[0].deleted).toBe(1);
      await writer.query('rollback');
    } finally {
      writer.release();
    }
    const { rows } = await db.query('select id from engine_chat_sessions');
    expect(rows.map((r) => r.id)).toEqual([held]);
  });

  it.each([['null, 10'], ['-1, 10'], ['15, 0'], ['15, null']])('rejects (%s) with SQLSTATE 22023', async (args) => {
    await insertSession(db, { idleMinutes: 60 });
    await expect(db.query(`call session_sweeper.purge_ghost_sessions(${args})`)).rejects.toMatchObject({
      code: '22023',
    });
    expect(await countSessions(db)).toBe(1);
  });

  it('refuses to run inside a transaction block, where it could not commit, and deletes nothing', async () => {
    await insertSession(db, { idleMinutes: 60 });
    const client = await db.connect();
    try {
      await client.query('begin');
      await expect(client.query('call session_sweeper.purge_ghost_sessions(15)')).rejects.toMatchObject({
        code: '2D000',
      });
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await countSessions(db)).toBe(1);
  });
});
