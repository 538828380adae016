// Item: SQL errors, stacks and connection strings reach the log, with the request id the client also gets; never the client.
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { createPool } from '../../src/db/pool.ts';
import { createStore } from '../../src/db/store.ts';
import { databaseUrl, insertSession, useDatabase } from '../helpers/db.ts';

const db = useDatabase();

/** The real app with a logger whose lines the test can read. */
function appWithLog(url: string) {
  const lines: Record<string, any>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const pool = createPool(url, logger);
  afterAll(() => pool.end());
  return { app: createApp({ store: createStore(pool), logger }), lines };
}

/** What must never be in a response body. */
const INTERNALS = /relation|engine_chat|select |insert |postgres(ql)?:\/\/|s3cret|ECONNREFUSED|127\.0\.0\.1|\n\s+at /i;

describe('errors', () => {
  const { app, lines } = appWithLog(databaseUrl());

  it('a failing query answers 500 "internal error" with a request id; the log has the SQL error under that id', async () => {
    const id = await insertSession(db);
    await db.query('alter table engine_chat_messages rename to engine_chat_messages_away');
    let response: Response;
    try {
      response = await app.request(`/api/engine/sessions/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'user', content: 'hi' }),
      });
    } finally {
      await db.query('alter table engine_chat_messages_away rename to engine_chat_messages');
    }
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'error', error: 'internal error' });
    expect(text).not.toMatch(INTERNALS);

    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const logged = lines.find((line) => line.requestId === requestId);
    expect(logged).toMatchObject({ level: 50, msg: 'request failed', path: `/api/engine/sessions/${id}/messages` });
    expect(logged!.err.message).toMatch(/relation "public.engine_chat_messages" does not exist/);
    expect(logged!.err.stack).toMatch(/\n\s+at /);
  });

  it('keeps a safe caller-given x-request-id and replaces one that could forge log lines', async () => {
    const kept = await app.request('/healthz', { headers: { 'x-request-id': 'upstream-42.a:b' } });
    expect(kept.headers.get('x-request-id')).toBe('upstream-42.a:b');
    const replaced = await app.request('/healthz', { headers: { 'x-request-id': 'x", "level": 60' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const notFound = await app.request('/nope');
    expect(notFound.status).toBe(404);
    expect(notFound.headers.get('x-request-id')).toBeTruthy();
  });

  it('an unreachable database answers 503 without its address or password', async () => {
    const unreachable = appWithLog('postgres://sweeper:s3cret@127.0.0.1:1/aria');
    const response = await unreachable.app.request('/api/engine/sessions/ghosts', { method: 'DELETE' });
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'error', error: 'database unavailable, retry later' });
    expect(text).not.toMatch(INTERNALS);
    const requestId = response.headers.get('x-request-id');
    expect(unreachable.lines.find((line) => line.requestId === requestId)).toMatchObject({
      msg: 'database unavailable',
      err: { code: 'ECONNREFUSED' },
    });
  });
});
