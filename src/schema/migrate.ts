import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import { connectOrExplain } from '../db/pool.ts';
import { databaseUrlFor, dropPgCronIfUnused, preparePgCron, syncJobs } from './cron-jobs.ts';
import { grantServiceRole, SERVICE_ROLE_SETTING, serviceRole } from './service-role.ts';
import { applyRepeatableFiles } from './sql-files.ts';
import { DEFAULT_TABLES, type TableNames, tableSettings } from './table-settings.ts';

const defaultMigrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

export type MigrateOptions = {
  databaseUrl: string;
  direction: 'up' | 'down';
  /** How many migrations to apply or undo; default: all pending for up, one for down. */
  count?: number;
  /** The database pg_cron runs in (managed PostgreSQL); unset or the app database: pg_cron is in the app database. */
  cronDatabase?: string;
  /** SESSIONS_TABLE, MESSAGES_TABLE and the archive pair; unset: the default tables, created when missing. */
  tables?: TableNames;
  log: (message: string) => void;
  /** Default: migrations/ of this project. */
  migrationsDir?: string;
};

/**
 * Migrations hold a session-level advisory lock (concurrent migrators wait on it) over several statements: a
 * transaction pooler such as PgBouncer would run those statements on different server connections, leaving the
 * lock held by a connection other clients then get. A pooler shows itself by the backend id it announces at
 * start-up (its own cancel key) not being the backend that answers.
 */
async function refuseConnectionPooler(client: pg.Client) {
  const { rows } = await client.query('select pg_backend_pid() as pid');
  const announced = (client as pg.Client & { processID: number }).processID;
  if (rows[0].pid !== announced) {
    throw new Error(
      'migrations must connect straight to PostgreSQL, not through a connection pooler such as PgBouncer ' +
        `(the server announced backend ${announced} but backend ${rows[0].pid} answers): set MIGRATION_DATABASE_URL ` +
        "to PostgreSQL's own host and port (DATABASE_URL may stay on the pooler). Nothing was migrated.",
    );
  }
}

/**
 * node-pg-migrate's frozen migrations (one transaction; a concurrent migrator waits for the advisory lock), then,
 * after up, in one more transaction: the repeatable files under sql/ that changed, the table settings, the service
 * role's grants. Last, the jobs: scheduled while we are installed, unscheduled once undone. With cronDatabase
 * elsewhere, pg_cron is checked and created there, and our jobs scheduled from there.
 */
export async function migrate(options: MigrateOptions): Promise<void> {
  const {
    databaseUrl,
    direction,
    count,
    cronDatabase,
    tables = {},
    log,
    migrationsDir = defaultMigrationsDir,
  } = options;
  const client = new pg.Client({ connectionString: databaseUrl });
  await connectOrExplain(client, databaseUrl);
  let cron = client;
  try {
    await refuseConnectionPooler(client);
    // One migrator at a time, from pg_cron's creation to the jobs (node-pg-migrate takes the same lock again inside).
    await client.query('select pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID]);
    const appDatabase: string = (await client.query('select current_database() as name')).rows[0].name;
    const cronHere = !cronDatabase || cronDatabase === appDatabase;
    if (!cronHere) {
      const cronUrl = databaseUrlFor(databaseUrl, cronDatabase);
      cron = new pg.Client({ connectionString: cronUrl });
      await connectOrExplain(cron, cronUrl);
    }
    const addedPgCron = direction === 'up' && (await preparePgCron(cron));
    // What the migrations read (session settings: the connection is ours alone).
    const settings = { ...tableSettings(tables), [SERVICE_ROLE_SETTING]: serviceRole() };
    for (const [name, value] of Object.entries(settings)) {
      await client.query('select set_config($1, $2, false)', [name, value]);
    }
    const applied = await runner({
      dbClient: client,
      dir: migrationsDir,
      migrationsSchema: 'session_sweeper',
      createMigrationsSchema: true,
      migrationsTable: 'pgmigrations',
      direction,
      count: count ?? (direction === 'up' ? Infinity : 1),
      singleTransaction: true,
      advisoryLockMode: 'wait',
      checkOrder: true,
      log: () => {},
    }).catch(async (error) => {
      // A first install that failed leaves nothing behind, not even the pg_cron it added.
      if (addedPgCron && cronHere) await dropPgCronIfUnused(cron);
      throw error;
    });
    const verb = direction === 'up' ? 'applied' : 'undid';
    log(
      applied.length
        ? `${verb} ${applied.map((m) => m.name).join(', ')}`
        : `no migration to ${direction === 'up' ? 'apply' : 'undo'}`,
    );
    const installed = await isInstalled(client);
    if (direction === 'up') {
      // What follows is written for the latest schema: with `up N` short of it, it waits for the rest.
      const pending = await pendingMigrations(client, migrationsDir);
      if (pending)
        return log(`${pending} migration(s) still pending: sql/ files, settings, grants and jobs wait for them`);
      await applyAfterMigrations(client, { cronHere, tables, log });
      await syncJobs(cron, client, { appDatabase, installed, cronHere }, log);
    } else if (!installed) {
      await syncJobs(cron, client, { appDatabase, installed, cronHere }, log);
      if (cronHere) await dropPgCronIfUnused(cron);
    }
  } finally {
    await client.end(); // releases the lock
    if (cron !== client) await cron.end();
  }
}

async function pendingMigrations(client: pg.Client, migrationsDir: string): Promise<number> {
  const files = (await readdir(migrationsDir)).filter((file) => /\.(sql|ts|js)$/.test(file));
  const { rows } = await client.query('select count(*)::int as applied from session_sweeper.pgmigrations');
  return files.length - rows[0].applied;
}

async function isInstalled(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query(`select to_regclass('session_sweeper.settings') is not null as installed`);
  return rows[0].installed;
}

/**
 * The repeatable files that changed, the table settings, the grants: after every up that leaves no migration
 * pending, in one transaction.
 * The table settings given (SESSIONS_TABLE, ...) may have changed since the last migration ran ("changing them
 * means migrating again"). A setting left unset keeps its recorded value, so a service started without them never
 * switches the purge back to the defaults (or off Aria's archive tables); use_tables checks them and changes
 * nothing when they are the same.
 */
async function applyAfterMigrations(
  client: pg.Client,
  { cronHere, tables, log }: { cronHere: boolean; tables: TableNames; log: (message: string) => void },
): Promise<void> {
  await client.query('begin');
  try {
    const changed = await applyRepeatableFiles(client, { cronHere });
    log(`applied from sql/: ${changed.join(', ') || 'nothing changed'}`);
    await client.query(
      `select session_sweeper.use_tables(coalesce($1, s.sessions_table, $5), coalesce($2, s.messages_table, $6),
                                         coalesce($3, s.archive_sessions_table), coalesce($4, s.archive_messages_table))
       from (select) nothing left join session_sweeper.settings s on true`,
      [
        tables.sessions ?? null,
        tables.messages ?? null,
        tables.archiveSessions ?? null,
        tables.archiveMessages ?? null,
        DEFAULT_TABLES.sessions,
        DEFAULT_TABLES.messages,
      ],
    );
    await grantServiceRole(client, { cronHere });
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}
