// The purge audit (mounted at /api/engine/purges), newest first.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { PurgeQueries } from '../../db/purges.ts';
import { ErrorBody, json, PurgeList, PurgesQuery } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const purgesRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The purge audit (session_purge_log), newest first: at most limit (default 20) rows of the last hours',
  request: { query: PurgesQuery },
  responses: { 200: json(PurgeList, 'The purges'), 400: json(ErrorBody, 'Invalid input') },
});

export function createPurgesRouter(store: Pick<PurgeQueries, 'listPurges'>) {
  return new OpenAPIHono({ defaultHook: validationHook }).openapi(purgesRoute, async (c) =>
    c.json({ purges: await store.listPurges(c.req.valid('query')) }, 200),
  );
}
