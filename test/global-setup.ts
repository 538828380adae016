// One PostgreSQL with pg_cron per database project of the run (see helpers/database-provider.ts for which one),
// prepared in the background so that tsc, the `unit` project and the files' imports do not wait for it; each file
// waits for it in test/setup/database.ts. Per project (vitest.config.ts):
//   layout     greenfield: the tables the migration creates (public.engine_chat_*, with our count trigger)
//              aria: Aria's own tables and archive tables, adopted (test/fixtures/aria-schema.sql under the older
//              public.engine_chat_* names, so every test's SQL reads the same on both)
//   isolation  template: the migrated database becomes the template each file gets a copy of, so the files run in
//              parallel; pg_cron's scheduler is ended for that (see createTemplate), so no job runs on its own.
//              shared: the files use the migrated database itself, the one pg_cron runs jobs in, and take turns.
// A PgBouncer in front of it serves every database of the cluster (helpers/pgbouncer.ts) to the app's pool.
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { databaseUrlFor } from '../src/schema/cron-jobs.ts';
import { migrate } from '../src/schema/migrate.ts';
import { ARIA_LAYOUTS, ariaSchemaSql } from './helpers/aria.ts';
import { setCronJobsActive } from './helpers/cron.ts';
import { startTestDatabase, type TestDatabase } from './helpers/database-provider.ts';
import type { ProjectDatabase } from './helpers/file-database.ts';
import { startPgBouncer, type PgBouncer } from './helpers/pgbouncer.ts';

export type Layout = 'greenfield' | 'aria';
type Isolation = 'template' | 'shared';

const PROJECTS: Record<string, { layout: Layout; isolation: Isolation }> = {
  greenfield: { layout: 'greenfield', isolation: 'template' },
  aria: { layout: 'aria', isolation: 'template' },
  // The files that need pg_cron to run jobs, or migrate the database pg_cron runs in, or drop the service role.
  cron: { layout: 'greenfield', isolation: 'shared' },
  // A file that kill -9s a backend, which makes PostgreSQL end every connection of its cluster.
  'aria-crash': { layout: 'aria', isolation: 'shared' },
};
const TEMPLATE = 'sweeper_template';

declare module 'vitest' {
  export interface ProvidedContext {
    layout: Layout;
    /** Where the project's ProjectDatabase is written once it is ready (helpers/file-database.ts). */
    projectDatabaseFile: string;
  }
}

export default async function setup(project: TestProject) {
  const { layout, isolation } = PROJECTS[project.name];
  const dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-project-'));
  const readyFile = path.join(dir, 'database.json');
  const publish = async (content: ProjectDatabase | { error: string }) => {
    await writeFile(`${readyFile}.tmp`, JSON.stringify(content));
    await rename(`${readyFile}.tmp`, readyFile); // whole, or not there yet
  };
  const prepared = prepare(layout, isolation).then(
    async (database) => {
      await publish(database.info);
      return database;
    },
    async (error: Error) => {
      await publish({ error: error.stack ?? String(error) });
      throw error;
    },
  );
  prepared.catch(() => {}); // the files report it, and the teardown below

  project.provide('layout', layout);
  project.provide('projectDatabaseFile', readyFile);
  return async () => {
    try {
      await (await prepared).stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}

async function prepare(layout: Layout, isolation: Isolation) {
  const database = await startTestDatabase(process.env);
  let pgbouncer: PgBouncer | undefined;
  const stop = async () => {
    await pgbouncer?.stop();
    await database.stop();
  };
  try {
    await migrateFresh(database, layout);
    // A template needs a server of our own (not TEST_DATABASE_URL's): there, the files take turns.
    const template = isolation === 'template' && database.provider !== 'url' ? await createTemplate(database.url) : undefined;
    pgbouncer = await startPgBouncer(database.url);
    const info: ProjectDatabase = { databaseUrl: database.url, pooledDatabaseUrl: pgbouncer.url, template };
    return { info, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function migrateFresh(database: TestDatabase, layout: Layout) {
  const client = new pg.Client({ connectionString: database.url });
  try {
    await client.connect();
    if (database.provider !== 'url') {
      // A throwaway server: skip flushing to disk. Commits still reach the kernel before they return, so a
      // backend's kill -9 (archive.test.ts) loses nothing committed.
      await client.query('alter system set fsync = off');
      await client.query('select pg_reload_conf()');
    }
    if (layout === 'aria') await client.query(await ariaSchemaSql('older'));
    const tables = layout === 'aria' ? ARIA_LAYOUTS.older : {};
    await migrate({ databaseUrl: database.url, direction: 'up', tables, log: () => {} });
    // The scheduled purge would race with tests that backdate sessions; only the cron test turns it on.
    await setCronJobsActive(client, false);
    const { rows } = await client.query(
      `select current_setting('server_version') as server, extversion as cron from pg_extension where extname = 'pg_cron'`,
    );
    console.log(`[test database] PostgreSQL ${rows[0].server}, pg_cron ${rows[0].cron}, ${layout} tables`);
  } finally {
    await client.end();
  }
}

/**
 * Copies the migrated database into the template the files are copied from. CREATE DATABASE copies no database
 * anyone is connected to, and pg_cron's scheduler stays connected to the one it runs jobs in: it is ended first,
 * and does not come back (pg_cron registers it to stay down after a clean exit), so that no job runs on its own
 * in this cluster (the tests that need it are in the project "cron").
 */
async function createTemplate(databaseUrl: string): Promise<string> {
  const source = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: databaseUrlFor(databaseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where backend_type = 'pg_cron launcher'`);
    // Waits (up to 5 s) for the scheduler to exit.
    await admin.query(`create database ${TEMPLATE} template ${source}`);
    await admin.query(`alter database ${TEMPLATE} with allow_connections false`);
  } finally {
    await admin.end();
  }
  return TEMPLATE;
}
