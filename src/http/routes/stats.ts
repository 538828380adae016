// How the purge keeps up (mounted at /api/engine/stats): the stats view and the number of sessions.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { PurgeQueries } from '../../db/purges.ts';
import { json, Stats } from '../schemas.ts';

const statsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Ghosts pending, oldest ghost, purge lag, deletions in the last hour and day, sessions in total, last purge',
  responses: { 200: json(Stats, 'The session_sweeper_stats view and the session count') },
});

export function createStatsRouter(store: Pick<PurgeQueries, 'readStats'>) {
  return new OpenAPIHono().openapi(statsRoute, async (c) => c.json(await store.readStats(), 200));
}
