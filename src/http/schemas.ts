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
    id: z
      .union([z.number().int(), z.uuid()])
      .openapi({ description: 'a number, or a UUID on tables whose ids are UUIDs (Aria)' }),
    session_id: z.uuid(),
    role: z.string(),
    content: z.string(),
    created_at: z.iso.datetime({ offset: true }),
  })
  .openapi('Message');

const isoOrNull = z.iso.datetime({ offset: true }).nullable();

/** A whole number from a query string, within min..max. */
const wholeNumber = (name: string, unit: string, max: number, min = 0) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number of ${unit}`)
    .transform(Number)
    .pipe(z.number().min(min, `${name} must be at least ${min}`).max(max, `${name} must be at most ${max}`));

/** A whole number query parameter with `fallback` when absent. */
const wholeNumberParam = (name: string, unit: string, max: number, fallback: number, min = 0) =>
  wholeNumber(name, unit, max, min)
    .default(fallback)
    .openapi({ param: { name, in: 'query' }, example: String(fallback), type: 'integer' });

// Absent: the database's own threshold, which the ghost job uses too.
const olderThanMinutes = wholeNumber('older_than_minutes', 'minutes', MAX_PURGE_MINUTES)
  .optional()
  .openapi({
    param: { name: 'older_than_minutes', in: 'query' },
    description: "default: the ghost job's threshold, session_sweeper.ghost_idle_minutes() (15)",
    example: '15',
    type: 'integer',
  });

export const GhostCountQuery = z.object({ older_than_minutes: olderThanMinutes });

export const GhostPurgeQuery = z.object({
  older_than_minutes: olderThanMinutes,
  dry_run: z
    .enum(['true', 'false'], { error: 'dry_run must be true or false' })
    .default('false')
    .transform((value) => value === 'true')
    .openapi({
      param: { name: 'dry_run', in: 'query' },
      description: 'true: count only (audited as a dry run)',
      type: 'boolean',
    }),
});

export const GhostPurgeResult = z
  .object({
    deleted: z.number().int().openapi({ description: 'with dry_run: how many would have been deleted' }),
    dry_run: z.literal(true).optional().openapi({ description: 'present (true) only for a dry run' }),
    status: z.literal('ok'),
  })
  .openapi('GhostPurgeResult');

export const GhostCount = z
  .object({
    older_than_minutes: z.number().int(),
    ghosts: z.number().int().openapi({ description: 'sessions with no message idle for more than older_than_minutes' }),
    oldest_ghost_age_seconds: z
      .number()
      .nullable()
      .openapi({ description: 'idle time of the oldest session with no message' }),
  })
  .openapi('GhostCount');

export const Stats = z
  .object({
    ghosts_pending: z
      .number()
      .int()
      .openapi({ description: 'sessions with no message idle for longer than session_sweeper.ghost_idle_minutes()' }),
    oldest_ghost_age_seconds: z.number().nullable(),
    purge_lag_seconds: z.number().openapi({
      description: 'how far the oldest ghost is past session_sweeper.ghost_idle_minutes(); the promise: at most 60',
    }),
    deleted_last_hour: z.number().int(),
    deleted_last_day: z.number().int(),
    sessions_total: z.number().int(),
    last_purge_at: isoOrNull,
    last_purge_kind: z.string().nullable(),
    last_purge_deleted: z.number().int().nullable(),
    last_purge_source: z.string().nullable(),
  })
  .openapi('Stats');

export const PurgesQuery = z.object({
  limit: wholeNumberParam('limit', 'rows', 5000, 20, 1),
  // Only purges finished in the last `hours` (the audit keeps 30 days).
  hours: wholeNumberParam('hours', 'hours', 24 * 30, 24 * 30, 1),
});

export const Purge = z
  .object({
    id: z.number().int(),
    ran_at: z.iso.datetime({ offset: true }),
    finished_at: z.iso.datetime({ offset: true }),
    kind: z.enum(['ghost', 'prune']),
    threshold_seconds: z.number(),
    dry_run: z.boolean(),
    deleted: z.number().int(),
    duration_seconds: z.number(),
    source: z.string().openapi({ example: 'pg_cron' }),
  })
  .openapi('Purge');

export const PurgeList = z.object({ purges: z.array(Purge) }).openapi('PurgeList');

export const CronJob = z
  .object({
    job: z.string().openapi({ example: 'session_sweeper.ghost-sessions-purge' }),
    schedule: z.string().openapi({ example: '* * * * *' }),
    command: z.string().openapi({ example: 'CALL session_sweeper.purge_ghost_sessions()' }),
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

export const JobParam = z.object({
  job: z.string().openapi({ param: { name: 'job', in: 'path' }, example: 'session_sweeper.ghost-sessions-purge' }),
});

export const JobSwitched = z.object({ job: z.string(), active: z.boolean() }).openapi('JobSwitched');

export type Session = z.infer<typeof Session>;
export type CronJob = z.infer<typeof CronJob>;
export type Stats = z.infer<typeof Stats>;
export type Purge = z.infer<typeof Purge>;
export type GhostCount = z.infer<typeof GhostCount>;
export type NewSession = z.infer<typeof NewSession>;
export type Message = z.infer<typeof Message>;
export type NewMessage = z.infer<typeof NewMessage>;

/** An OpenAPI response of JSON in `schema`. */
export const json = <T>(schema: T, description: string) => ({
  content: { 'application/json': { schema } },
  description,
});
