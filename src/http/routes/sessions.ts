import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { SessionQueries } from '../../db/sessions.ts';
import { errorResponse } from '../errors.ts';
import {
  ErrorBody,
  GhostCount,
  GhostCountQuery,
  GhostPurgeQuery,
  GhostPurgeResult,
  json,
  Message,
  NewMessage,
  NewSession,
  Session,
  SessionIdParam,
} from '../schemas.ts';
import { validationHook } from '../validation.ts';

const jsonBody = <T>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const badRequest = json(ErrorBody, 'Invalid input');
const notFound = json(ErrorBody, 'No such session');

const createSessionRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Open a session',
  request: jsonBody(NewSession),
  responses: { 201: json(Session, 'The new session'), 400: badRequest },
});

const purgeGhostSessionsRoute = createRoute({
  method: 'delete',
  path: '/ghosts',
  summary:
    "Delete sessions with no message idle for more than older_than_minutes (default: the ghost job's threshold); dry_run=true only counts them",
  request: { query: GhostPurgeQuery },
  responses: {
    200: json(GhostPurgeResult, 'How many sessions were (or, in a dry run, would be) deleted'),
    400: badRequest,
  },
});

// Registered before /{id}, which would otherwise take "ghosts" for an id.
const countGhostSessionsRoute = createRoute({
  method: 'get',
  path: '/ghosts',
  summary:
    "Count sessions with no message idle for more than older_than_minutes (default: the ghost job's threshold), and the oldest one; deletes nothing",
  request: { query: GhostCountQuery },
  responses: { 200: json(GhostCount, 'The count'), 400: badRequest },
});

const getSessionRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'Read a session',
  request: { params: SessionIdParam },
  responses: { 200: json(Session, 'The session'), 400: badRequest, 404: notFound },
});

const addMessageRoute = createRoute({
  method: 'post',
  path: '/{id}/messages',
  summary: 'Add a message to a session (404 if it does not exist or was just purged)',
  request: { params: SessionIdParam, ...jsonBody(NewMessage) },
  responses: { 201: json(Message, 'The stored message'), 400: badRequest, 404: notFound },
});

export function createSessionsRouter(store: SessionQueries, logger: Logger) {
  return new OpenAPIHono({ defaultHook: validationHook })
    .openapi(createSessionRoute, async (c) => c.json(await store.createSession(c.req.valid('json')), 201))
    .openapi(purgeGhostSessionsRoute, async (c) => {
      const { older_than_minutes: requested, dry_run: dryRun } = c.req.valid('query');
      const started = performance.now();
      const { deleted, olderThanMinutes } = await store.deleteGhostSessions(requested, dryRun);
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      logger.info(
        { request_id: c.get('requestId'), deleted, older_than_minutes: olderThanMinutes, duration_ms: durationMs },
        dryRun ? 'manual ghost purge, dry run (counted only)' : 'manual ghost purge',
      );
      return c.json(
        dryRun ? { deleted, dry_run: true as const, status: 'ok' as const } : { deleted, status: 'ok' as const },
        200,
      );
    })
    .openapi(countGhostSessionsRoute, async (c) =>
      c.json(await store.countGhostSessions(c.req.valid('query').older_than_minutes), 200),
    )
    .openapi(getSessionRoute, async (c) => {
      const session = await store.findSession(c.req.valid('param').id);
      return session ? c.json(session, 200) : errorResponse(c, 404, 'session not found');
    })
    .openapi(addMessageRoute, async (c) => {
      const message = await store.addMessage(c.req.valid('param').id, c.req.valid('json'));
      return message ? c.json(message, 201) : errorResponse(c, 404, 'session not found');
    });
}
