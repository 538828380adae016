// The database a test file runs on: test/global-setup.ts prepares one per project in the background and writes
// where it is to a file once it is ready; test/setup/database.ts waits for that file and sets the file's database.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export type FileDatabase = {
  /** Straight to PostgreSQL: migrations, test fixtures and checks. */
  databaseUrl: string;
  /** Through PgBouncer in transaction mode: the app's pool, as in production behind a pooler. */
  pooledDatabaseUrl: string;
};

/** What global-setup.ts writes: the migrated database, and the template its files are copied from (if any). */
export type ProjectDatabase = FileDatabase & { template?: string };

/** The advisory lock the files on a shared database take turns with. */
export const SHARED_DATABASE_LOCK = 7_340_015;

const READY_TIMEOUT_MS = 300_000;

export async function waitForProjectDatabase(readyFile: string): Promise<ProjectDatabase> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!existsSync(readyFile)) {
    if (Date.now() > deadline) throw new Error(`the test database was not ready within ${READY_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ready: ProjectDatabase | { error: string } = JSON.parse(await readFile(readyFile, 'utf8'));
  if ('error' in ready) throw new Error(`the test database did not start: ${ready.error}`);
  return ready;
}

let current: FileDatabase | undefined;

export function setFileDatabase(database: FileDatabase) {
  current = database;
}

export function fileDatabase(): FileDatabase {
  if (!current) {
    throw new Error('this test file has no database: it runs in a project without test/setup/database.ts (vitest.config.ts)');
  }
  return current;
}
