// Runs before each file of a database project (vitest.config.ts): waits until the project's database is ready
// (test/global-setup.ts starts it in the background), then gives the file its database:
//   template  a copy of the migrated template of its own (CREATE DATABASE … TEMPLATE), dropped after the file
//   shared    the migrated database pg_cron runs jobs in, held alone for the whole file (the files take turns)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { databaseUrlFor } from '../../src/schema/cron-jobs.ts';
import { SHARED_DATABASE_LOCK, setFileDatabase, waitForProjectDatabase } from '../helpers/file-database.ts';

const project = await waitForProjectDatabase(inject('projectDatabaseFile'));
const maintenance = databaseUrlFor(project.databaseUrl, 'postgres');

if (project.template) {
  const name = `sweeper_file_${randomBytes(6).toString('hex')}`;
  await onMaintenanceDatabase((admin) => admin.query(`create database ${name} template ${project.template}`));
  setFileDatabase({
    databaseUrl: databaseUrlFor(project.databaseUrl, name),
    pooledDatabaseUrl: databaseUrlFor(project.pooledDatabaseUrl, name),
  });
  // Last of the file's afterAll hooks (they run in reverse order); FORCE ends what a test left connected.
  afterAll(() => onMaintenanceDatabase((admin) => admin.query(`drop database ${name} with (force)`)));
} else {
  const lock = new pg.Client({ connectionString: project.databaseUrl, application_name: 'session-sweeper test lock' });
  lock.on('error', () => {}); // a test that restarts the server ends this connection, and so the lock, with it
  await lock.connect();
  await lock.query('select pg_advisory_lock($1)', [SHARED_DATABASE_LOCK]);
  setFileDatabase({ databaseUrl: project.databaseUrl, pooledDatabaseUrl: project.pooledDatabaseUrl });
  afterAll(() => lock.end().catch(() => {}));
}

async function onMaintenanceDatabase(run: (admin: pg.Client) => Promise<unknown>) {
  const admin = new pg.Client({ connectionString: maintenance });
  await admin.connect();
  try {
    await run(admin);
  } finally {
    await admin.end();
  }
}
