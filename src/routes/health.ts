import { Hono } from 'hono';
import { errorResponse } from '../errors.ts';
import type { SessionStore } from '../sessions.ts';

export function createHealthRouter(store: Pick<SessionStore, 'ping'>) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      try {
        await store.ping();
        return c.json({ status: 'ok' });
      } catch {
        return errorResponse(c, 503, 'database unavailable');
      }
    });
}
