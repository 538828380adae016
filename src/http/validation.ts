import type { Hook } from '@hono/zod-openapi';
import { errorResponse } from './errors.ts';

/** Turns a failed zod validation into a 400 with every problem in one readable line. */
export const validationHook: Hook<unknown, any, any, unknown> = (result, c) => {
  if (result.success) return;
  const problems = result.error.issues.map((issue) => {
    const where = issue.path.join('.');
    return where && !issue.message.startsWith(where) ? `${where}: ${issue.message}` : issue.message;
  });
  return errorResponse(c, 400, problems.join('; '));
};
