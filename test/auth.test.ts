// Item: API_TOKEN protects every /api route (several tokens for rotation); health stays open; no open non-loopback.
import { describe, expect, it } from 'vitest';
import { countSessions, insertSession, useApp, useDatabase } from './helpers/db.ts';
import { runService } from './helpers/service.ts';

const CURRENT = 'current-token-0123456789';
const PREVIOUS = 'previous-token-0123456789';
const db = useDatabase();
const app = useApp({ apiTokens: [CURRENT, PREVIOUS] });

const anyId = '00000000-0000-4000-8000-000000000000';
const apiRoutes: [string, string, string?][] = [
  ['POST', '/api/engine/sessions', '{"agent_id":"a"}'],
  ['GET', `/api/engine/sessions/${anyId}`],
  ['POST', `/api/engine/sessions/${anyId}/messages`, '{"role":"user","content":"x"}'],
  ['DELETE', '/api/engine/sessions/ghosts?older_than_minutes=0'],
  ['GET', '/api/no-such-route'],
];
const send = (method: string, path: string, body: string | undefined, authorization?: string) =>
  app.request(path, {
    method,
    body,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
  });

describe('API_TOKEN', () => {
  const refused = [undefined, `Bearer ${CURRENT}x`, `Bearer ${CURRENT.slice(0, -1)}`, `Basic ${CURRENT}`, CURRENT];
  it.each(apiRoutes)(
    '%s %s answers 401 JSON without a valid bearer token; nothing changes',
    async (method, path, body) => {
      await insertSession(db, { idleMinutes: 60 });
      for (const authorization of refused) {
        const response = await send(method, path, body, authorization);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
        expect(await response.json()).toEqual({ status: 'error', error: expect.stringMatching(/bearer token/) });
      }
      expect(await countSessions(db)).toBe(1);
    },
  );

  it('accepts every configured token (rotation), case-insensitive scheme', async () => {
    const ghost = await insertSession(db, { idleMinutes: 60 });
    const created = await send('POST', '/api/engine/sessions', '{"agent_id":"a"}', `Bearer ${PREVIOUS}`);
    expect(created.status).toBe(201);
    const { id } = await created.json();
    expect((await send('GET', `/api/engine/sessions/${id}`, undefined, `bearer ${CURRENT}`)).status).toBe(200);
    const purgePath = '/api/engine/sessions/ghosts?older_than_minutes=30';
    const purged = await send('DELETE', purgePath, undefined, `Bearer ${CURRENT}`);
    expect(await purged.json()).toEqual({ deleted: 1, status: 'ok' });
    const { rows } = await db.query('select id from engine_chat_sessions where id = $1', [ghost]);
    expect(rows).toEqual([]);
  });

  it('leaves the health routes open', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
  });

  it('the service refuses to start on a non-loopback address without API_TOKEN, and says why', async () => {
    const service = runService({ HOST: '0.0.0.0', DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/API_TOKEN: must be set when HOST is not a loopback address/);
    expect(service.logs.filter((line) => line.msg.startsWith('listening'))).toEqual([]);
  });
});
