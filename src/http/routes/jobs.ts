// Our pg_cron jobs (mounted at /api/engine/jobs): list them, pause or resume one.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { JobQueries } from '../../db/jobs.ts';
import { errorResponse } from '../errors.ts';
import { CronJobList, ErrorBody, JobParam, JobSwitched, json } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const INVALID_PARAMETER_VALUE = '22023';
const CRON_ELSEWHERE =
  'the jobs are not in this database: pg_cron runs in another one (CRON_DATABASE); use cron.job there';

const listJobsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Our pg_cron jobs: schedule, active, last run (the session_sweeper_jobs view) and next run',
  responses: {
    200: { content: { 'application/json': { schema: CronJobList } }, description: 'The jobs' },
    404: json(ErrorBody, 'pg_cron runs in another database (CRON_DATABASE): the view is there, not here'),
  },
});

const switchJobRoute = (action: 'pause' | 'resume') =>
  createRoute({
    method: 'post',
    path: `/{job}/${action}`,
    summary: `${action === 'pause' ? 'Pause' : 'Resume'} one of our pg_cron jobs (cron.alter_job; takes effect at the next minute)`,
    request: { params: JobParam },
    responses: {
      200: json(JobSwitched, 'The job and its active flag now'),
      404: json(ErrorBody, 'Not one of our jobs, or pg_cron runs in another database'),
    },
  });

export function createJobsRouter(store: JobQueries) {
  const switchJob = async (c: Context, job: string, active: boolean) => {
    try {
      const switched = await store.setJobActive(job, active);
      return switched ? c.json(switched, 200) : errorResponse(c, 404, CRON_ELSEWHERE);
    } catch (error) {
      // The database's one unknown-job check (require_session_sweeper_job), which names our jobs.
      if ((error as { code?: string }).code === INVALID_PARAMETER_VALUE)
        return errorResponse(c, 404, (error as Error).message);
      throw error;
    }
  };
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(listJobsRoute, async (c) => {
      const jobs = await store.listJobs();
      return jobs ? c.json({ jobs }, 200) : errorResponse(c, 404, CRON_ELSEWHERE);
    })
    .openapi(switchJobRoute('pause'), (c) => switchJob(c, c.req.valid('param').job, false))
    .openapi(switchJobRoute('resume'), (c) => switchJob(c, c.req.valid('param').job, true));
}
