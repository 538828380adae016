// Prometheus metrics (mounted at /metrics).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Metrics } from '../../observability/metrics.ts';

const metricsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Prometheus metrics: HTTP traffic, purges by kind and source, ghosts pending, purge lag, cron job ages',
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format' } },
});

export function createMetricsRouter(metrics: Metrics) {
  return new OpenAPIHono().openapi(metricsRoute, async (c) =>
    c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }),
  );
}
