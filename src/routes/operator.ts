import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { errorResponse } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import { CronJobList, ErrorBody } from '../schemas.ts';
import type { SessionStore } from '../sessions.ts';

const listJobsRoute = createRoute({
  method: 'get',
  path: '/api/engine/jobs',
  summary: 'Our pg_cron jobs: schedule, active, last run, next due (the session_sweeper_jobs view)',
  responses: {
    200: { content: { 'application/json': { schema: CronJobList } }, description: 'The jobs' },
    404: {
      content: { 'application/json': { schema: ErrorBody } },
      description: 'pg_cron runs in another database (CRON_DATABASE): the view is there, not here',
    },
  },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: HTTP traffic, purges by kind and source, ghosts pending, purge lag, cron job ages',
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format' } },
});

export function createOperatorRouter(store: Pick<SessionStore, 'listJobs'>, metrics: Metrics) {
  return new OpenAPIHono()
    .openapi(listJobsRoute, async (c) => {
      const jobs = await store.listJobs();
      if (!jobs) {
        return errorResponse(c, 404, 'the jobs view is not in this database: pg_cron runs in another one (CRON_DATABASE); read cron.job there');
      }
      return c.json({ jobs }, 200);
    })
    .openapi(metricsRoute, async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }));
}
