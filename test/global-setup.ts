// One PostgreSQL with pg_cron per project of the run (see helpers/database-provider.ts for which one):
//   greenfield  the tables the migration creates (public.engine_chat_*, with our count trigger)
//   aria        Aria's own tables, adopted (test/fixtures/aria-schema.sql under the older public.engine_chat_*
//               names, so every test's SQL reads the same on both)
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../src/migrate.ts';
import { ariaSchemaSql } from './helpers/aria.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { startTestDatabase } from './helpers/database-provider.ts';

export type Layout = 'greenfield' | 'aria';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    layout: Layout;
  }
}

export default async function setup(project: TestProject) {
  const layout: Layout = project.name === 'aria' ? 'aria' : 'greenfield';
  const database = await startTestDatabase(process.env);
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    if (layout === 'aria') await client.query(await ariaSchemaSql('older'));
    await migrate({ databaseUrl: database.url, direction: 'up', log: () => {} });
    // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
    await setCronJobsActive(client, false);
  } catch (error) {
    await database.stop();
    throw error;
  } finally {
    await client.end();
  }

  project.provide('databaseUrl', database.url);
  project.provide('layout', layout);
  return database.stop;
}
