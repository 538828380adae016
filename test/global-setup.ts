// One PostgreSQL with pg_cron for the whole run (see helpers/database-provider.ts for which one).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/migrate.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { startTestDatabase } from './helpers/database-provider.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const database = await startTestDatabase(process.env);
  try {
    await migrate({ databaseUrl: database.url, direction: 'up', log: () => {} });
    // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await setCronJobsActive(client, false);
    const { rows } = await client.query(
      `select current_setting('server_version') as server, extversion as cron from pg_extension where extname = 'pg_cron'`,
    );
    console.log(`[test database] PostgreSQL ${rows[0].server}, pg_cron ${rows[0].cron}`);
    await client.end();
  } catch (error) {
    await database.stop();
    throw error;
  }

  project.provide('databaseUrl', database.url);
  return database.stop;
}
