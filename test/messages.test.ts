import { describe, expect, it } from 'vitest';
import { insertSession, useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();

const postMessage = (sessionId: string, body: unknown) =>
  app.request(`/api/engine/sessions/${sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('message trigger', () => {
  it('keeps message_count and updated_at true on insert and delete', async () => {
    const id = await insertSession(db, { idleMinutes: 60 });
    await db.query(
      `insert into engine_chat_messages (session_id, role, content) values ($1, 'user', 'a'), ($1, 'assistant', 'b')`,
      [id],
    );
    let { rows } = await db.query(
      `select message_count, updated_at > now() - interval '1 minute' as touched from engine_chat_sessions where id = $1`,
      [id],
    );
    expect(rows[0]).toEqual({ message_count: 2, touched: true });

    await db.query(`update engine_chat_sessions set updated_at = now() - interval '1 hour' where id = $1`, [id]);
    await db.query(`delete from engine_chat_messages where session_id = $1 and role = 'user'`, [id]);
    ({ rows } = await db.query(
      `select message_count, updated_at > now() - interval '1 minute' as touched from engine_chat_sessions where id = $1`,
      [id],
    ));
    expect(rows[0]).toEqual({ message_count: 1, touched: true });
  });

  it('lets a session with messages be deleted (cascade)', async () => {
    const id = await insertSession(db, { messages: 3 });
    await db.query('delete from engine_chat_sessions where id = $1', [id]);
    const { rows } = await db.query('select count(*)::int as n from engine_chat_messages');
    expect(rows[0].n).toBe(0);
  });

  it('refuses a negative message_count', async () => {
    const id = await insertSession(db);
    await expect(
      db.query('update engine_chat_sessions set message_count = -1 where id = $1', [id]),
    ).rejects.toMatchObject({ code: '23514' });
  });
});

describe('session routes', () => {
  it('creates, reads and adds a message to a session', async () => {
    const created = await app.request('/api/engine/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'agent-7' }),
    });
    expect(created.status).toBe(201);
    const session = await created.json();
    expect(session).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      agent_id: 'agent-7',
      title: null,
      message_count: 0,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const message = await postMessage(session.id, { role: 'user', content: 'hello' });
    expect(message.status).toBe(201);
    expect(await message.json()).toMatchObject({ session_id: session.id, role: 'user', content: 'hello' });

    const fetched = await app.request(`/api/engine/sessions/${session.id}`);
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toMatchObject({ id: session.id, message_count: 1 });
  });

  it('answers 404 for a message to a session that does not exist, and stores nothing', async () => {
    const response = await postMessage('00000000-0000-4000-8000-000000000000', { role: 'user', content: 'x' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 'error', error: 'session not found' });
    const { rows } = await db.query('select count(*)::int as n from engine_chat_messages');
    expect(rows[0].n).toBe(0);
  });

  it('answers 404 for a message to a session the purge just deleted', async () => {
    const id = await insertSession(db, { idleMinutes: 20 });
    await db.query('select session_sweeper.delete_ghost_sessions(15)');
    const response = await postMessage(id, { role: 'user', content: 'too late' });
    expect(response.status).toBe(404);
  });

  it.each([
    [{ role: '', content: 'x' }, 'role'],
    [{ role: 'user' }, 'content'],
    [{ role: 'user', content: 5 }, 'content'],
    [{ role: 'user', content: 'x', extra: 1 }, 'extra'],
  ])('answers 400 to the message body %j and stores nothing', async (body, field) => {
    const id = await insertSession(db);
    const response = await postMessage(id, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'error', error: expect.stringContaining(field) });
    const { rows } = await db.query('select message_count from engine_chat_sessions where id = $1', [id]);
    expect(rows[0].message_count).toBe(0);
  });
});
