// `npm start`: database (DATABASE_URL, or an embedded cluster under .data/), migrations, then the HTTP server.
import { serve } from '@hono/node-server';
import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createApp } from './http/app.ts';
import { configFromEnv } from './config.ts';
import { createPool, messageWithHint, redactUrl } from './db/pool.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './dev/embedded-postgres.ts';
import { createLogger } from './observability/logger.ts';
import { migrate } from './schema/migrate.ts';
import { createStore } from './db/store.ts';

const defaultDataDir = fileURLToPath(new URL('../.data/', import.meta.url));
/** How long in-flight requests may take to finish after SIGTERM before their connections are closed. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Last resort if the database does not let go either (a query outlives its statement_timeout). */
const SHUTDOWN_TIMEOUT_MS = 45_000;
/**
 * Slow clients cannot hold connections for ever: all headers within 10 s, the whole request (at most MAX_BODY_BYTES)
 * within 30 s, else Node answers 408 and closes the connection; checked every second (Node's default: 30 s).
 */
const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1_000 };

async function main() {
  const config = configFromEnv(process.env);
  const logger = createLogger(config.logLevel);
  const log = (message: string) => logger.info(message);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dir: config.dataDir ?? defaultDataDir,
      database: 'aria',
      cronDatabase: config.cronDatabase,
      log,
    });
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL with pg_cron is up; inspect it with: psql ${databaseUrl} -c "select * from cron.job"`);
  }

  try {
    const migrationDatabaseUrl = config.migrationDatabaseUrl ?? databaseUrl;
    await migrate({ databaseUrl: migrationDatabaseUrl, direction: 'up', cronDatabase: config.cronDatabase, tables: config.tables, log });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }

  const pool = createPool(databaseUrl, logger);
  const app = createApp({
    store: createStore(pool),
    logger,
    apiTokens: config.apiTokens,
    maxBodyBytes: config.maxBodyBytes,
  });
  if (!config.apiTokens.length) log(`API_TOKEN is not set: /api is open to anyone who can reach ${config.host}:${config.port}`);

  let stopping = false;
  // A request arriving on a kept-alive connection during shutdown is refused, not started.
  const fetch: typeof app.fetch = (request, ...rest) =>
    stopping
      ? Response.json(
          { status: 'error', error: 'shutting down' },
          { status: 503, headers: { connection: 'close', 'retry-after': '1' } },
        )
      : app.fetch(request, ...rest);
  const server = serve({ fetch, port: config.port, hostname: config.host, serverOptions: SERVER_TIMEOUTS }, (info) =>
    log(`listening on http://${config.host}:${info.port} (database ${redactUrl(databaseUrl)})`),
  ) as Server;

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: refusing new requests, finishing those in flight`);
    const lastResort = setTimeout(async () => {
      logger.error('shutdown did not finish in time: stopping the database and exiting');
      await embedded?.stop();
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    const graceOver = setTimeout(() => {
      logger.warn(`requests still in flight after ${SHUTDOWN_GRACE_MS} ms: closing their connections`);
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS).unref();
    await new Promise((resolve) => server.close(resolve));
    clearTimeout(graceOver);
    log('HTTP server closed');
    await pool.end();
    log('database pool closed');
    // Last: the pool's connections are gone, so the cluster stops without terminating anything of ours.
    if (embedded) {
      await embedded.stop();
      log('embedded PostgreSQL stopped');
    }
    clearTimeout(lastResort);
    log('stopped');
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`session-sweeper failed to start: ${messageWithHint(error)}`);
  process.exit(1);
});
