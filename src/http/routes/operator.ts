import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { errorResponse } from '../errors.ts';
import type { Metrics } from '../../observability/metrics.ts';
import { CronJobList, ErrorBody, JobParam, JobSwitched, PurgeList, PurgesQuery, Stats } from '../schemas.ts';
import type { Store } from '../../db/store.ts';
import { validationHook } from '../validation.ts';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });
const INVALID_PARAMETER_VALUE = '22023';
const CRON_ELSEWHERE = 'the jobs are not in this database: pg_cron runs in another one (CRON_DATABASE); use cron.job there';

const listJobsRoute = createRoute({
  method: 'get',
  path: '/api/engine/jobs',
  summary: 'Our pg_cron jobs: schedule, active, last run (the session_sweeper_jobs view) and next run',
  responses: {
    200: { content: { 'application/json': { schema: CronJobList } }, description: 'The jobs' },
    404: json(ErrorBody, 'pg_cron runs in another database (CRON_DATABASE): the view is there, not here'),
  },
});

const switchJobRoute = (action: 'pause' | 'resume') =>
  createRoute({
    method: 'post',
    path: `/api/engine/jobs/{job}/${action}`,
    summary: `${action === 'pause' ? 'Pause' : 'Resume'} one of our pg_cron jobs (cron.alter_job; takes effect at the next minute)`,
    request: { params: JobParam },
    responses: {
      200: json(JobSwitched, 'The job and its active flag now'),
      404: json(ErrorBody, 'Not one of our jobs, or pg_cron runs in another database'),
    },
  });

const statsRoute = createRoute({
  method: 'get',
  path: '/api/engine/stats',
  summary: 'Ghosts pending, oldest ghost, purge lag, deletions in the last hour and day, sessions in total, last purge',
  responses: { 200: json(Stats, 'The session_sweeper_stats view and the session count') },
});

const purgesRoute = createRoute({
  method: 'get',
  path: '/api/engine/purges',
  summary: 'The purge audit (session_purge_log), newest first: at most limit (default 20) rows of the last hours',
  request: { query: PurgesQuery },
  responses: { 200: json(PurgeList, 'The purges'), 400: json(ErrorBody, 'Invalid input') },
});

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics: HTTP traffic, purges by kind and source, ghosts pending, purge lag, cron job ages',
  responses: { 200: { content: { 'text/plain': { schema: z.string() } }, description: 'Prometheus text format' } },
});

type OperatorStore = Pick<Store, 'listJobs' | 'setJobActive' | 'readStats' | 'listPurges'>;

export function createOperatorRouter(store: OperatorStore, metrics: Metrics) {
  const switchJob = async (c: Context, job: string, active: boolean) => {
    try {
      const switched = await store.setJobActive(job, active);
      return switched ? c.json(switched, 200) : errorResponse(c, 404, CRON_ELSEWHERE);
    } catch (error) {
      // The database's one unknown-job check (require_session_sweeper_job), which names our jobs.
      if ((error as { code?: string }).code === INVALID_PARAMETER_VALUE) return errorResponse(c, 404, (error as Error).message);
      throw error;
    }
  };
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(listJobsRoute, async (c) => {
      const jobs = await store.listJobs();
      return jobs ? c.json({ jobs }, 200) : errorResponse(c, 404, CRON_ELSEWHERE);
    })
    .openapi(switchJobRoute('pause'), (c) => switchJob(c, c.req.valid('param').job, false))
    .openapi(switchJobRoute('resume'), (c) => switchJob(c, c.req.valid('param').job, true))
    .openapi(statsRoute, async (c) => c.json(await store.readStats(), 200))
    .openapi(purgesRoute, async (c) => c.json({ purges: await store.listPurges(c.req.valid('query')) }, 200))
    .openapi(metricsRoute, async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }));
}
