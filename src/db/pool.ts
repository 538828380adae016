import pg from 'pg';
import type { Logger } from 'pino';
import { throttledWarning } from '../observability/throttled-log.ts';

/** Connection errors that mean "nothing answers there", as opposed to a refused login or a bad query. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** Connects, or fails with a message that says what to do about it. */
export async function connectOrExplain(client: pg.Client, databaseUrl: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    throw new Error(explainConnectionError(error, databaseUrl), { cause: error });
  }
}

export function explainConnectionError(error: unknown, databaseUrl: string): string {
  const where = redactUrl(databaseUrl);
  const code = (error as { code?: string }).code ?? '';
  if (UNREACHABLE.has(code) || /timeout/i.test(String((error as Error).message))) {
    return (
      `cannot reach PostgreSQL at ${where} (${code || (error as Error).message}). Start it, fix DATABASE_URL, ` +
      'or unset DATABASE_URL to let `npm start` run an embedded PostgreSQL with pg_cron under .data/.'
    );
  }
  if (code === '3D000') return `database in ${where} does not exist: create it first (createdb) or fix DATABASE_URL.`;
  if (code === '28P01' || code === '28000') return `PostgreSQL refused the login for ${where}: check the user and password in DATABASE_URL.`;
  return `cannot connect to PostgreSQL at ${where}: ${(error as Error).message}`;
}

/** An error's message with PostgreSQL's hint, which often names the fix. */
export function messageWithHint(error: Error & { hint?: string }): string {
  return error.hint ? `${error.message}\nhint: ${error.hint}` : error.message;
}

/** The URL without its password, fit for logs. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * Errors that say the database cannot serve us right now (down, restarting, saturated, too slow),
 * which a client should retry: the API answers them 503, not 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code = '', message = '' } = error as { code?: string; message?: string };
  return (
    UNREACHABLE.has(code) ||
    code === 'ECONNRESET' ||
    code.startsWith('08') || // connection exception
    code === '57P01' || code === '57P02' || code === '57P03' || // shutting down / cannot connect now
    code === '53300' || // too many connections
    code === '57014' || code === '55P03' || // statement or lock timeout
    /timeout exceeded when trying to connect|Connection terminated|is not queryable/i.test(message)
  );
}

/** How long a request waits for a connection (new or from the pool) before it answers 503. */
export const CONNECT_TIMEOUT_MS = 800;

export function createPool(databaseUrl: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // Names our purges in session_purge_log.source, and our connections in pg_stat_activity.
    application_name: 'session-sweeper',
    max: 10,
    // Below 1 s, so that during an outage (or a hung network) every request answers 503 within a second.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // Without a listener, an idle connection dropped by the server (restart, outage) would crash the process.
  const warnIdleError = throttledWarning(logger, 'idle database connection failed');
  pool.on('error', (error) => warnIdleError({ err: error }));
  return pool;
}

export type Query = (text: string, values?: unknown[]) => Promise<pg.QueryResult>;

/** The limits of every query of the service; a test may shorten them. */
export const QUERY_TIMEOUTS = { statementTimeoutMs: 30_000, lockTimeoutMs: 5_000 };

/**
 * A request never holds a connection for ever: a stuck purge or lock wait ends with an error (503).
 * The settings and the query go as one simple-protocol message, run as one transaction: SET LOCAL, since PgBouncer
 * refuses startup parameters and would hand a session-level SET to other clients; in one message, for one round
 * trip instead of three (begin, query, commit). Why not a role or function setting: docs/pgbouncer.md.
 */
export function queryWithTimeouts(pool: pg.Pool, { statementTimeoutMs, lockTimeoutMs } = QUERY_TIMEOUTS): Query {
  const settings = `set local statement_timeout = ${Math.trunc(statementTimeoutMs)}; set local lock_timeout = ${Math.trunc(lockTimeoutMs)};`;
  return async (text, values = []) => {
    // A failed query costs the pool its connection (pool.query releases it with the error), as it may be unusable.
    const results = (await pool.query(`${settings} ${withLiterals(text, values)}`)) as unknown as pg.QueryResult[];
    return results[results.length - 1];
  };
}

/** `text` with each `$n` replaced by values[n - 1] as a literal. */
export function withLiterals(text: string, values: unknown[]): string {
  return text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/**
 * A message of several statements carries no bind parameters. A quoted literal has no type until the context gives it
 * one, as an untyped parameter, so the SQL means what it meant with parameters. Escaped by pg; anything else refused.
 */
function literal(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string' && !value.includes('\0')) return pg.escapeLiteral(value);
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return `'${value}'`;
  throw new TypeError(`not sent to PostgreSQL as a literal: ${typeof value} ${String(value)}`);
}
