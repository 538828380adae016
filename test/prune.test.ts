import { describe, expect, it } from 'vitest';
import { countSessions, insertSession, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const DAY = 60 * 24;

describe('prune_old_sessions(days, dry_run)', () => {
  it('dry run counts sessions idle for more than `days`, with or without messages, and deletes nothing', async () => {
    await insertSession(db, { idleMinutes: 31 * DAY, messages: 2 });
    await insertSession(db, { idleMinutes: 31 * DAY });
    await insertSession(db, { idleMinutes: 29 * DAY, messages: 1 });

    const { rows } = await db.query('select session_sweeper.prune_old_sessions(30, true) as n');
    expect(rows[0].n).toBe(2);
    expect(await countSessions(db)).toBe(3);
  });

  it('deletes them (and their messages) for real, 30 days by default', async () => {
    await insertSession(db, { idleMinutes: 31 * DAY, messages: 2 });
    await insertSession(db, { idleMinutes: 31 * DAY });
    const kept = await insertSession(db, { idleMinutes: 29 * DAY, messages: 1 });

    const { rows } = await db.query('select session_sweeper.prune_old_sessions() as n');
    expect(rows[0].n).toBe(2);
    const remaining = await db.query('select id from engine_chat_sessions');
    expect(remaining.rows.map((r) => r.id)).toEqual([kept]);
    const messages = await db.query('select distinct session_id from engine_chat_messages');
    expect(messages.rows.map((r) => r.session_id)).toEqual([kept]);
  });

  it.each([['null, false'], ['-1, false'], ['30, null']])('rejects (%s) with SQLSTATE 22023', async (args) => {
    await insertSession(db, { idleMinutes: 31 * DAY });
    await expect(db.query(`select session_sweeper.prune_old_sessions(${args})`)).rejects.toMatchObject({
      code: '22023',
    });
    expect(await countSessions(db)).toBe(1);
  });
});
