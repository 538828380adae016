import { describe, expect, it } from 'vitest';
import { mapConcurrently } from './helpers/concurrency.ts';
import { useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();
const SESSIONS = 600;

describe('first messages racing the purge', () => {
  it('never loses a message: each lands in a surviving session or gets 404', async () => {
    // Ghosts idle from 0.5 to 29.5 minutes, posted to in random order while the purge threshold sweeps from
    // 30 minutes down to 0: every session is raced at some point, and both sides win some.
    const { rows } = await db.query(
      `insert into engine_chat_sessions (agent_id, updated_at)
       select 'race', now() - make_interval(mins => i % 30, secs => 30) from generate_series(1, $1) as i
       returning id`,
      [SESSIONS],
    );
    const ids: string[] = rows.map((r) => r.id).sort(() => Math.random() - 0.5);

    let posting = true;
    const started = Date.now();
    const threshold = () => Math.max(0, 30 - Math.floor((Date.now() - started) / 20));
    const httpPurges = async () => {
      while (posting) {
        const response = await app.request(`/api/engine/sessions/ghosts?older_than_minutes=${threshold()}`, {
          method: 'DELETE',
        });
        expect(response.status).toBe(200);
      }
    };
    const sqlPurges = async () => {
      while (posting) await db.query('select delete_ghost_sessions($1)', [threshold()]);
    };
    const post = async (id: string) => {
      const response = await app.request(`/api/engine/sessions/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'user', content: `first message of ${id}` }),
      });
      return { id, status: response.status };
    };

    const purging = Promise.all([httpPurges(), httpPurges(), sqlPurges()]);
    const results = await mapConcurrently(ids, 16, post);
    posting = false;
    await purging;

    expect(results.filter((r) => r.status !== 201 && r.status !== 404)).toEqual([]);
    const accepted = results.filter((r) => r.status === 201).map((r) => r.id).sort();
    const refused = results.filter((r) => r.status === 404);
    // The race really happened: some posts beat the purge and some lost to it.
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);

    await db.query('select delete_ghost_sessions(0)');
    const surviving = await db.query(`select id, message_count from engine_chat_sessions order by id`);
    expect(surviving.rows.map((r) => r.id)).toEqual(accepted);
    expect(surviving.rows.every((r) => r.message_count === 1)).toBe(true);

    const { rows: check } = await db.query(`
      select
        (select count(*)::int from engine_chat_messages m
          where not exists (select from engine_chat_sessions s where s.id = m.session_id)) as orphans,
        (select count(*)::int from engine_chat_messages) as messages,
        (select count(*)::int from engine_chat_sessions s
          where message_count <> (select count(*) from engine_chat_messages m where m.session_id = s.id)) as miscounted`);
    expect(check[0]).toEqual({ orphans: 0, messages: accepted.length, miscounted: 0 });
  });
});
