import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { DEFAULT_MAX_BODY_BYTES } from '../config.ts';
import { isDatabaseUnavailable } from '../db/pool.ts';
import type { Store } from '../db/store.ts';
import { createMetrics } from '../observability/metrics.ts';
import { throttledWarning } from '../observability/throttled-log.ts';
import { errorResponse } from './errors.ts';
import { requireBearerToken } from './middleware/auth.ts';
import { observeRequests } from './middleware/observe-requests.ts';
import { type RequestIdVariables, requestId } from './middleware/request-id.ts';
import { createDashboardRouter } from './routes/dashboard.ts';
import { addApiDocs } from './routes/docs.ts';
import { createHealthRouter } from './routes/health.ts';
import { createJobsRouter } from './routes/jobs.ts';
import { createMetricsRouter } from './routes/metrics.ts';
import { createPurgesRouter } from './routes/purges.ts';
import { createSessionsRouter } from './routes/sessions.ts';
import { createStatsRouter } from './routes/stats.ts';

/** Methods whose requests carry no body unless a length header says so. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export type AppDeps = {
  store: Store;
  logger: Logger;
  /** Bearer tokens required on /api; none or empty: no authentication. */
  apiTokens?: string[];
  /** Larger request bodies answer 413; default DEFAULT_MAX_BODY_BYTES. */
  maxBodyBytes?: number;
};

export function createApp({ store, logger, apiTokens = [], maxBodyBytes = DEFAULT_MAX_BODY_BYTES }: AppDeps) {
  const app = new OpenAPIHono<{ Variables: RequestIdVariables }>();
  // One warning per 10 s at most while the database is down: each 503 is already in its request line.
  const warnDatabaseUnavailable = throttledWarning(logger, 'database unavailable');
  const metrics = createMetrics(store, (error) => warnDatabaseUnavailable({ err: error, source: 'metrics' }));
  app.use(requestId());
  app.use(observeRequests(logger, metrics));
  // Before anything reads a body: a Content-Length above the limit is refused unread, a body without one is counted
  // as it streams in and refused once over, so a large body never sits whole in memory.
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: (c) => errorResponse(c, 413, `request body larger than ${maxBodyBytes} bytes`),
  });
  // Over HTTP/1.1 a request has a body only with one of these headers (RFC 9112, 6.3); asking for the body of one
  // without makes the Node adapter build a whole Fetch Request (streams, abort signal): a fifth of a DELETE's time in
  // a profile. The methods that take a body are always checked (an in-process app.request() sends no length header).
  const mayHaveBody = (c: Context) =>
    c.req.header('content-length') || c.req.header('transfer-encoding') || !BODYLESS_METHODS.has(c.req.method);
  app.use((c, next) => (mayHaveBody(c) ? limitBody(c, next) : next()));
  if (apiTokens.length) app.use('/api/*', requireBearerToken(apiTokens));
  app.route('/', createHealthRouter(store));
  app.route('/api/engine/jobs', createJobsRouter(store));
  app.route('/api/engine/stats', createStatsRouter(store));
  app.route('/api/engine/purges', createPurgesRouter(store));
  app.route('/metrics', createMetricsRouter(metrics));
  app.route('/api/engine/sessions', createSessionsRouter(store, logger));
  addApiDocs(app);
  app.route('/', createDashboardRouter());

  app.notFound((c) => errorResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    // Framework-raised client errors (e.g. malformed JSON) keep their status and message.
    if (error instanceof HTTPException && error.status < 500) {
      return errorResponse(c, error.status, error.message);
    }
    // A value longer than the adopted table's column allows (Aria's agent_id is varchar(100), role varchar(20)).
    if ((error as { code?: string }).code === '22001') {
      return errorResponse(c, 400, `a value is too long for the sessions tables: ${error.message}`);
    }
    const request = { requestId: c.get('requestId'), method: c.req.method, path: c.req.path };
    if (isDatabaseUnavailable(error)) {
      warnDatabaseUnavailable({ err: error, ...request });
      c.header('Retry-After', '1');
      return errorResponse(c, 503, 'database unavailable, retry later');
    }
    // The details (SQL, stack, connection string) stay in the log; the client gets the id to quote.
    logger.error({ err: error, ...request }, 'request failed');
    return errorResponse(c, 500, 'internal error');
  });
  return app;
}
