import { z } from 'zod';

// An empty variable (`PORT=`) means "not set", as shells and compose files often write it.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const envSchema = z.object({
  PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(8000)),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  DATABASE_URL: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  LOG_LEVEL: z.preprocess(
    unsetIfEmpty,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  CRON_DATABASE: z.preprocess(
    unsetIfEmpty,
    z.string().regex(/^[^\/?#]+$/, 'must be a database name (e.g. postgres), not a URL').optional(),
  ),
});

export type Config = {
  port: number;
  host: string;
  /** Unset: `npm start` runs an embedded PostgreSQL under .data/. */
  databaseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Managed PostgreSQL: the database pg_cron lives in (e.g. postgres); unset: the app database. */
  cronDatabase: string | undefined;
};

/** Parses the environment; throws one readable error listing every bad variable. */
export function configFromEnv(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const { PORT, HOST, DATABASE_URL, LOG_LEVEL, CRON_DATABASE } = parsed.data;
  return { port: PORT, host: HOST, databaseUrl: DATABASE_URL, logLevel: LOG_LEVEL, cronDatabase: CRON_DATABASE };
}
