import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import { connectOrExplain } from './db.ts';
import { refreshSqlFunctions } from './sql-files.ts';

const migrationsDir = fileURLToPath(new URL('../migrations/', import.meta.url));

export type MigrateOptions = {
  databaseUrl: string;
  direction: 'up' | 'down';
  /** How many migrations to apply or undo; default: all pending for up, one for down. */
  count?: number;
  log: (message: string) => void;
};

/**
 * node-pg-migrate, then (after up) the refresh of SQL functions from sql/functions.
 * Pending migrations run in one transaction; a concurrent migrator waits for the advisory lock.
 */
export async function migrate({ databaseUrl, direction, count, log }: MigrateOptions): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await connectOrExplain(client, databaseUrl);
  try {
    const applied = await runner({
      dbClient: client,
      dir: migrationsDir,
      migrationsTable: 'pgmigrations',
      direction,
      count: count ?? (direction === 'up' ? Infinity : 1),
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      log: () => {},
    });
    const verb = direction === 'up' ? 'applied' : 'undid';
    log(applied.length ? `${verb} ${applied.map((m) => m.name).join(', ')}` : `no migration to ${direction === 'up' ? 'apply' : 'undo'}`);
    if (direction === 'up') {
      const refreshed = await refreshSqlFunctions(client, PG_MIGRATE_LOCK_ID);
      log(`refreshed routines from sql/functions and sql/procedures: ${refreshed.join(', ') || 'none installed'}`);
    }
  } finally {
    await client.end();
  }
}
