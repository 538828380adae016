import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from './db.ts';
import { errorResponse } from './errors.ts';
import { createMetrics } from './metrics.ts';
import { observeRequests } from './middleware/observe-requests.ts';
import { createOutageLog } from './outage-log.ts';
import { addApiDocs } from './routes/docs.ts';
import { createHealthRouter } from './routes/health.ts';
import { createOperatorRouter } from './routes/operator.ts';
import { createSessionsRouter } from './routes/sessions.ts';
import type { SessionStore } from './sessions.ts';

export type AppDeps = { store: SessionStore; logger: Logger };

export function createApp({ store, logger }: AppDeps) {
  const app = new OpenAPIHono();
  const outage = createOutageLog(logger);
  const metrics = createMetrics(store, outage);
  app.use(requestId());
  app.use(observeRequests(logger, metrics));
  app.route('/', createHealthRouter(store));
  app.route('/', createOperatorRouter(store, metrics));
  app.route('/api/engine/sessions', createSessionsRouter(store, logger));
  addApiDocs(app);

  app.notFound((c) => errorResponse(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  app.onError((error, c) => {
    // Framework-raised client errors (e.g. malformed JSON) keep their status and message.
    if (error instanceof HTTPException && error.status < 500) {
      return errorResponse(c, error.status, error.message);
    }
    if (isDatabaseUnavailable(error)) {
      outage.failed(error); // once per outage: the request lines already show each 503
      c.header('Retry-After', '1');
      return errorResponse(c, 503, 'database unavailable, retry later');
    }
    logger.error({ err: error, method: c.req.method, path: c.req.path }, 'request failed');
    return errorResponse(c, 500, 'internal error');
  });
  return app;
}
