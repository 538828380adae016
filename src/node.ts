// `npm start`: database (DATABASE_URL, or an embedded cluster under .data/), migrations, then the HTTP server.
import { serve } from '@hono/node-server';
import { fileURLToPath } from 'node:url';
import { createApp } from './app.ts';
import { configFromEnv } from './config.ts';
import { createPool, messageWithHint, redactUrl } from './db.ts';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts';
import { createLogger } from './logger.ts';
import { migrate } from './migrate.ts';
import { createSessionStore } from './sessions.ts';

const embeddedDir = fileURLToPath(new URL('../.data/', import.meta.url));
const SHUTDOWN_TIMEOUT_MS = 10_000;

async function main() {
  const config = configFromEnv(process.env);
  const logger = createLogger(config.logLevel);
  const log = (message: string) => logger.info(message);

  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({ dir: embeddedDir, database: 'aria', cronDatabase: config.cronDatabase, log });
    databaseUrl = embedded.url;
    log(`embedded PostgreSQL with pg_cron is up; inspect it with: psql ${databaseUrl} -c "select * from cron.job"`);
  }

  try {
    await migrate({ databaseUrl, direction: 'up', cronDatabase: config.cronDatabase, log });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }

  const pool = createPool(databaseUrl);
  pool.on('error', (error) => logger.warn({ err: error }, 'idle database connection failed'));
  const app = createApp({ store: createSessionStore(pool), logger });
  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) =>
    log(`listening on http://${config.host}:${info.port} (database ${redactUrl(databaseUrl)})`),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing the HTTP server, then the database`);
    const forceExit = setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    await new Promise((resolve) => server.close(resolve));
    await pool.end();
    await embedded?.stop();
    clearTimeout(forceExit);
    log('stopped');
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: Error) => {
  console.error(`session-sweeper failed to start: ${messageWithHint(error)}`);
  process.exit(1);
});
