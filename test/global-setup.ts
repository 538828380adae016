// One PostgreSQL with pg_cron for the whole run: TEST_DATABASE_URL, or a throwaway cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/embedded-postgres.ts';
import { migrate } from '../src/migrate.ts';
import { setCronJobsActive } from './helpers/cron.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let databaseUrl = process.env.TEST_DATABASE_URL;
  let teardown = async () => {};
  if (databaseUrl) {
    console.log('[test database] TEST_DATABASE_URL');
  } else {
    const dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-test-'));
    const cluster = await startEmbeddedPostgres({ dir, database: 'sweeper_test', log: () => {} });
    databaseUrl = cluster.url;
    console.log(`[test database] throwaway cluster in ${dir}`);
    teardown = async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    };
  }

  await migrate({ databaseUrl, direction: 'up', log: () => {} });
  // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await setCronJobsActive(client, false);
  await client.end();

  project.provide('databaseUrl', databaseUrl);
  return teardown;
}
