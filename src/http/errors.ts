import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one error shape every route answers with. */
export function errorResponse<Status extends ContentfulStatusCode>(c: Context, status: Status, message: string) {
  return c.json({ status: 'error' as const, error: message }, status);
}
