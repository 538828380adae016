// One PostgreSQL with pg_cron for the whole run (see helpers/database-provider.ts for which one), and a PgBouncer in
// front of it that the app's pool in the tests goes through (helpers/pgbouncer.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/migrate.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { startTestDatabase } from './helpers/database-provider.ts';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Straight to PostgreSQL: migrations, test fixtures and checks. */
    databaseUrl: string;
    /** Through PgBouncer in transaction mode: the app's pool, as in production behind a pooler. */
    pooledDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const database = await startTestDatabase(process.env);
  let pgbouncer: PgBouncer;
  try {
    await migrate({ databaseUrl: database.url, direction: 'up', log: () => {} });
    // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await setCronJobsActive(client, false);
    await client.end();
    pgbouncer = await startPgBouncer(database.url);
  } catch (error) {
    await database.stop();
    throw error;
  }

  project.provide('databaseUrl', database.url);
  project.provide('pooledDatabaseUrl', pgbouncer.url);
  return async () => {
    await pgbouncer.stop();
    await database.stop();
  };
}
