// Route behaviour with a fake store: validation, error shapes, what reaches the store.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.ts';
import type { Store } from '../src/db/store.ts';

function fakeStore(overrides: Partial<Store> = {}) {
  const calls: unknown[][] = [];
  const fail = (name: string) => async (...args: unknown[]) => {
    calls.push([name, ...args]);
    throw new Error(`${name} should not have been called`);
  };
  const store: Store = {
    createSession: fail('createSession') as Store['createSession'],
    findSession: fail('findSession') as Store['findSession'],
    addMessage: fail('addMessage') as Store['addMessage'],
    deleteGhostSessions: fail('deleteGhostSessions') as Store['deleteGhostSessions'],
    listJobs: fail('listJobs') as Store['listJobs'],
    readPurgeStats: fail('readPurgeStats') as Store['readPurgeStats'],
    countGhostSessions: fail('countGhostSessions') as Store['countGhostSessions'],
    setJobActive: fail('setJobActive') as Store['setJobActive'],
    readStats: fail('readStats') as Store['readStats'],
    listPurges: fail('listPurges') as Store['listPurges'],
    ping: async () => {},
    ...overrides,
  };
  return { store, calls };
}

const silent = pino({ level: 'silent' });

describe('routes', () => {
  it("passes older_than_minutes to the store, nothing when absent (the database's threshold applies)", async () => {
    const seen: (number | undefined)[] = [];
    const { store } = fakeStore({ deleteGhostSessions: async (minutes) => (seen.push(minutes), { deleted: 7, olderThanMinutes: minutes ?? 15 }) });
    const app = createApp({ store, logger: silent });
    const first = await app.request('/api/engine/sessions/ghosts', { method: 'DELETE' });
    const second = await app.request('/api/engine/sessions/ghosts?older_than_minutes=0', { method: 'DELETE' });
    expect(await first.json()).toEqual({ deleted: 7, status: 'ok' });
    expect(second.status).toBe(200);
    expect(seen).toEqual([undefined, 0]);
  });

  it.each([
    ['POST', '/api/engine/sessions', '{"agent_id":', 'Malformed JSON'],
    ['POST', '/api/engine/sessions', '{"agent_id":""}', 'agent_id'],
    ['POST', '/api/engine/sessions', '{"agent_id":"   "}', 'agent_id'],
    ['POST', '/api/engine/sessions', '{"agent_id":"a","title":3}', 'title'],
    ['POST', '/api/engine/sessions', '[]', 'expected object'],
    ['GET', '/api/engine/sessions/not-a-uuid', undefined, 'UUID'],
    ['POST', '/api/engine/sessions/not-a-uuid/messages', '{"role":"user","content":"x"}', 'UUID'],
  ])('%s %s %s → 400 JSON, store untouched', async (method, path, body, message) => {
    const { store, calls } = fakeStore();
    const app = createApp({ store, logger: silent });
    const response = await app.request(path, { method, body, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'error', error: expect.stringContaining(message) });
    expect(calls).toEqual([]);
  });

  it('answers 415 JSON to a body that is not JSON', async () => {
    const { store, calls } = fakeStore();
    const app = createApp({ store, logger: silent });
    const response = await app.request('/api/engine/sessions', { method: 'POST', body: 'agent_id=x' });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({ status: 'error', error: expect.any(String) });
    expect(calls).toEqual([]);
  });

  it('answers 404 JSON to an unknown route', async () => {
    const app = createApp({ store: fakeStore().store, logger: silent });
    const response = await app.request('/api/engine/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ status: 'error', error: 'no route for GET /api/engine/nope' });
  });

  it('answers 500 without internal details and logs them', async () => {
    const logged: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(line) });
    const { store } = fakeStore({
      deleteGhostSessions: async () => {
        throw new Error('relation "engine_chat_sessions" does not exist at postgres://secret@db');
      },
    });
    const app = createApp({ store, logger });
    const response = await app.request('/api/engine/sessions/ghosts', { method: 'DELETE' });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'error', error: 'internal error' });
    expect(text).not.toContain('secret');
    expect(logged.join('')).toContain('does not exist');
  });

  it('reports readiness from the database', async () => {
    const up = createApp({ store: fakeStore().store, logger: silent });
    const down = createApp({
      store: fakeStore({ ping: async () => Promise.reject(new Error('ECONNREFUSED')) }).store,
      logger: silent,
    });
    expect((await up.request('/readyz')).status).toBe(200);
    expect((await up.request('/healthz')).status).toBe(200);
    const response = await down.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'error', error: 'database unavailable' });
    expect((await down.request('/healthz')).status).toBe(200);
  });
});
