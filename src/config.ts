import { isIP } from 'node:net';
import { z } from 'zod';
import type { TableNames } from './schema/table-settings.ts';

// An empty variable (`PORT=`) means "not set", as shells and compose files often write it.
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

export const MIN_API_TOKEN_LENGTH = 16;
/** Request bodies above this many bytes are refused (413) before anything reads them. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const postgresUrl = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
);

const tableName = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .regex(/^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/, 'must be a table name, schema-qualified or not (e.g. aria_engine.chat_sessions)')
    .optional(),
);

// What `npm run migrate` needs; the service's settings below add to it.
const databaseEnvSchema = z.object({
  SESSIONS_TABLE: tableName,
  MESSAGES_TABLE: tableName,
  ARCHIVE_SESSIONS_TABLE: tableName,
  ARCHIVE_MESSAGES_TABLE: tableName,
  DATABASE_URL: postgresUrl,
  MIGRATION_DATABASE_URL: postgresUrl,
  CRON_DATABASE: z.preprocess(
    unsetIfEmpty,
    z.string().regex(/^[^\/?#]+$/, 'must be a database name (e.g. postgres), not a URL').optional(),
  ),
});

const envSchema = databaseEnvSchema
  .extend({
    PORT: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(0).max(65535).default(8000)),
    HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
    LOG_LEVEL: z.preprocess(
      unsetIfEmpty,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
    // Comma-separated, so a new token can be added before the old one is removed (rotation).
    API_TOKEN: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .transform((value) => value.split(',').map((token) => token.trim()).filter(Boolean))
        .pipe(
          z.array(
            z.string().min(MIN_API_TOKEN_LENGTH, `each token must be at least ${MIN_API_TOKEN_LENGTH} characters`),
          ),
        )
        .optional(),
    ),
    // For a container whose published port only this machine reaches (docker-compose.yml binds 127.0.0.1):
    // it must bind 0.0.0.0 inside, yet needs no token. Never set it where the port is reachable from outside.
    ALLOW_UNAUTHENTICATED_API: z.preprocess(unsetIfEmpty, z.enum(['true', 'false']).default('false')),
    DATA_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
    MAX_BODY_BYTES: z.preprocess(unsetIfEmpty, z.coerce.number().int().min(1).default(DEFAULT_MAX_BODY_BYTES)),
  })
  .refine(({ MIGRATION_DATABASE_URL, DATABASE_URL }) => !MIGRATION_DATABASE_URL || DATABASE_URL, {
    path: ['MIGRATION_DATABASE_URL'],
    message: 'needs DATABASE_URL too (the embedded PostgreSQL is migrated by its own owner)',
  })
  .refine(
    ({ API_TOKEN, HOST, ALLOW_UNAUTHENTICATED_API }) =>
      API_TOKEN?.length || isLoopback(HOST) || ALLOW_UNAUTHENTICATED_API === 'true',
    {
      path: ['API_TOKEN'],
      message:
        'must be set when HOST is not a loopback address: the API deletes data, so it is not served unauthenticated ' +
        'beyond this machine (set API_TOKEN to a secret, or HOST=127.0.0.1)',
    },
  );

export type Config = {
  port: number;
  host: string;
  /** Unset: `npm start` runs an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /** Who migrates at start-up when the service's own role may not (see docs/security.md); default databaseUrl. */
  migrationDatabaseUrl: string | undefined;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  /** Bearer tokens accepted on /api; empty: no authentication (loopback only). */
  apiTokens: string[];
  /** Where the embedded PostgreSQL lives; unset: .data/ in the project. */
  dataDir: string | undefined;
  /** Managed PostgreSQL: the database pg_cron lives in (e.g. postgres); unset: the app database. */
  cronDatabase: string | undefined;
  /** The chat tables (SESSIONS_TABLE, ...), recorded in the database by `migrate up`. */
  tables: TableNames;
  /** Larger request bodies answer 413 unread. */
  maxBodyBytes: number;
};

type Env = Record<string, string | undefined>;

/** Parses with `schema`; throws one readable error listing every bad variable. */
function parseEnv<T>(schema: z.ZodType<T>, env: Env): T {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  return parsed.data;
}

/** The service's settings (`npm start`). */
export function configFromEnv(env: Env): Config {
  const parsed = parseEnv(envSchema, env);
  const { PORT, HOST, DATABASE_URL, MIGRATION_DATABASE_URL, LOG_LEVEL, API_TOKEN, DATA_DIR, CRON_DATABASE, MAX_BODY_BYTES } =
    parsed;
  return {
    port: PORT,
    host: HOST,
    databaseUrl: DATABASE_URL,
    migrationDatabaseUrl: MIGRATION_DATABASE_URL,
    logLevel: LOG_LEVEL,
    apiTokens: API_TOKEN ?? [],
    dataDir: DATA_DIR,
    cronDatabase: CRON_DATABASE,
    tables: tablesFrom(parsed),
    maxBodyBytes: MAX_BODY_BYTES,
  };
}

function tablesFrom(env: z.infer<typeof databaseEnvSchema>): TableNames {
  return {
    sessions: env.SESSIONS_TABLE,
    messages: env.MESSAGES_TABLE,
    archiveSessions: env.ARCHIVE_SESSIONS_TABLE,
    archiveMessages: env.ARCHIVE_MESSAGES_TABLE,
  };
}

/** What `npm run migrate` needs: the owner's connection (MIGRATION_DATABASE_URL, else DATABASE_URL). */
export function migrateConfigFromEnv(env: Env): Pick<Config, 'databaseUrl' | 'cronDatabase' | 'tables'> {
  const parsed = parseEnv(databaseEnvSchema, env);
  const { DATABASE_URL, MIGRATION_DATABASE_URL, CRON_DATABASE } = parsed;
  return { databaseUrl: MIGRATION_DATABASE_URL ?? DATABASE_URL, cronDatabase: CRON_DATABASE, tables: tablesFrom(parsed) };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}
