import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.ts';
import { ErrorBody } from '../schemas.ts';
import type { Store } from '../../db/store.ts';

const Ok = z.object({ status: z.literal('ok') }).openapi('Ok');
const ok = { content: { 'application/json': { schema: Ok } }, description: 'Up' };

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'Liveness: 200 while the process is up',
  responses: { 200: ok },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: 200 when the database answers, else 503',
  responses: { 200: ok, 503: { content: { 'application/json': { schema: ErrorBody } }, description: 'Database unavailable' } },
});

export function createHealthRouter(store: Pick<Store, 'ping'>) {
  return new OpenAPIHono()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, async (c) => {
      try {
        await store.ping();
        return c.json({ status: 'ok' as const }, 200);
      } catch {
        return errorResponse(c, 503, 'database unavailable');
      }
    });
}
