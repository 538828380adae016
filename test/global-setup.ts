// One PostgreSQL with pg_cron per project of the run (see helpers/database-provider.ts for which one):
//   greenfield  the tables the migration creates (public.engine_chat_*, with our count trigger)
//   aria        Aria's own tables and archive tables, adopted (test/fixtures/aria-schema.sql under the older
//               public.engine_chat_* names, so every test's SQL reads the same on both)
// Each has a PgBouncer in front that the app's pool in the tests goes through (helpers/pgbouncer.ts).
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/schema/migrate.ts';
import { ARIA_LAYOUTS, ariaSchemaSql } from './helpers/aria.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { startTestDatabase } from './helpers/database-provider.ts';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.ts';

export type Layout = 'greenfield' | 'aria';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Straight to PostgreSQL: migrations, test fixtures and checks. */
    databaseUrl: string;
    layout: Layout;
    /** Through PgBouncer in transaction mode: the app's pool, as in production behind a pooler. */
    pooledDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const layout: Layout = project.name === 'aria' ? 'aria' : 'greenfield';
  const database = await startTestDatabase(process.env);
  const client = new pg.Client({ connectionString: database.url });
  let pgbouncer: PgBouncer;
  try {
    await client.connect();
    if (layout === 'aria') await client.query(await ariaSchemaSql('older'));
    const tables = layout === 'aria' ? ARIA_LAYOUTS.older : {};
    await migrate({ databaseUrl: database.url, direction: 'up', tables, log: () => {} });
    // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
    await setCronJobsActive(client, false);
    pgbouncer = await startPgBouncer(database.url);
    const { rows } = await client.query(
      `select current_setting('server_version') as server, extversion as cron from pg_extension where extname = 'pg_cron'`,
    );
    console.log(`[test database] PostgreSQL ${rows[0].server}, pg_cron ${rows[0].cron}`);
  } catch (error) {
    await database.stop();
    throw error;
  } finally {
    await client.end();
  }

  project.provide('databaseUrl', database.url);
  project.provide('layout', layout);
  project.provide('pooledDatabaseUrl', pgbouncer.url);
  return async () => {
    await pgbouncer.stop();
    await database.stop();
  };
}
