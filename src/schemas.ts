// Request and response shapes of the HTTP API, in one place. They also feed validation error messages.
import { z } from '@hono/zod-openapi';

export const MAX_PURGE_MINUTES = 525_600; // one year

export const ErrorBody = z.object({ status: z.literal('error'), error: z.string() }).openapi('Error');

/** PostgreSQL text cannot hold U+0000: it is refused as bad input rather than failing in the database. */
const text = (field: string) =>
  z.string().refine((value) => !value.includes('\0'), `${field} must not contain NUL (\\u0000) characters`);

export const SessionIdParam = z.object({ id: z.uuid({ error: 'id must be a UUID' }) });

export const NewSession = z
  .strictObject({
    agent_id: text('agent_id').trim().min(1, 'agent_id must be a non-empty string').max(200),
    title: text('title').max(500).nullish(),
  })
  .openapi('NewSession');

export const Session = z
  .object({
    id: z.uuid(),
    agent_id: z.string(),
    title: z.string().nullable(),
    message_count: z.number().int(),
    created_at: z.iso.datetime({ offset: true }),
    updated_at: z.iso.datetime({ offset: true }),
  })
  .openapi('Session');

export const NewMessage = z
  .strictObject({
    role: text('role').trim().min(1, 'role must be a non-empty string').max(64),
    content: text('content').min(1, 'content must be a non-empty string').max(100_000),
  })
  .openapi('NewMessage');

export const Message = z
  .object({
    id: z.union([z.number().int(), z.uuid()]).openapi({ description: 'a number, or a UUID on tables whose ids are UUIDs (Aria)' }),
    session_id: z.uuid(),
    role: z.string(),
    content: z.string(),
    created_at: z.iso.datetime({ offset: true }),
  })
  .openapi('Message');

export const GhostPurgeQuery = z.object({
  older_than_minutes: z
    .string()
    .regex(/^\d+$/, 'older_than_minutes must be a whole number of minutes')
    .transform(Number)
    .pipe(z.number().max(MAX_PURGE_MINUTES, `older_than_minutes must be at most ${MAX_PURGE_MINUTES}`))
    .default(15)
    .openapi({ param: { name: 'older_than_minutes', in: 'query' }, example: '15', type: 'integer' }),
});

export const GhostPurgeResult = z
  .object({ deleted: z.number().int(), status: z.literal('ok') })
  .openapi('GhostPurgeResult');

const isoOrNull = z.iso.datetime({ offset: true }).nullable();

export const CronJob = z
  .object({
    job: z.string().openapi({ example: 'ghost-sessions-purge' }),
    schedule: z.string().openapi({ example: '* * * * *' }),
    command: z.string().openapi({ example: 'CALL session_sweeper.purge_ghost_sessions(15)' }),
    active: z.boolean(),
    last_status: z.string().nullable().openapi({ example: 'succeeded' }),
    last_run_at: isoOrNull,
    last_duration_seconds: z.number().nullable(),
    last_success_at: isoOrNull,
    next_run_at: isoOrNull,
    next_due: z.string().openapi({ description: "'in 42 s', 'paused' or 'unknown'", example: 'in 42 s' }),
  })
  .openapi('CronJob');

export const CronJobList = z.object({ jobs: z.array(CronJob) }).openapi('CronJobList');

export type Session = z.infer<typeof Session>;
export type CronJob = z.infer<typeof CronJob>;
export type NewSession = z.infer<typeof NewSession>;
export type Message = z.infer<typeof Message>;
export type NewMessage = z.infer<typeof NewMessage>;
