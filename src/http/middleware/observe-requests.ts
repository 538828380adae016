import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { Logger } from 'pino';
import type { Metrics } from '../../observability/metrics.ts';

/**
 * One log line and one metrics observation per request. Metrics are labelled by the route pattern
 * (/api/engine/sessions/:id), never the raw path, so ids cannot blow up the label count.
 */
export function observeRequests(logger: Logger, metrics: Pick<Metrics, 'observeRequest'>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const pattern = routePath(c, -1);
    // A request no route matched ends on a wildcard middleware; its path is whatever the caller typed.
    const route = pattern.endsWith('*') ? 'unmatched' : pattern;
    const status = c.res.status;
    metrics.observeRequest(c.req.method, route, status, seconds);
    logger.info(
      {
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        route,
        status,
        duration_ms: Math.round(seconds * 10_000) / 10,
      },
      'request',
    );
  };
}
