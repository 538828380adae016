import { fileURLToPath } from 'node:url';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import { connectOrExplain } from '../db/pool.ts';
import { CRON_DATABASE_SETTING, databaseUrlFor, prepareCronDatabase, syncJobsFromCronDatabase } from './managed-cron.ts';
import { refreshSqlObjects } from './sql-files.ts';
import { TABLE_SETTINGS, type TableNames } from './table-settings.ts';

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
 * node-pg-migrate, then (after up) the refresh of SQL functions and views from sql/.
 * Pending migrations run in one transaction; a concurrent migrator waits for the advisory lock.
 * With cronDatabase elsewhere, pg_cron is checked and created there, and our jobs scheduled from there.
 */
export async function migrate(options: MigrateOptions): Promise<void> {
  const { databaseUrl, direction, count, cronDatabase, tables = {}, log, migrationsDir = defaultMigrationsDir } = options;
  const client = new pg.Client({ connectionString: databaseUrl });
  await connectOrExplain(client, databaseUrl);
  let cron: pg.Client | undefined;
  try {
    await refuseConnectionPooler(client);
    const appDatabase: string = (await client.query('select current_database() as name')).rows[0].name;
    if (cronDatabase && cronDatabase !== appDatabase) {
      const cronUrl = databaseUrlFor(databaseUrl, cronDatabase);
      cron = new pg.Client({ connectionString: cronUrl });
      await connectOrExplain(cron, cronUrl);
      await prepareCronDatabase(cron);
      await client.query('select set_config($1, $2, false)', [CRON_DATABASE_SETTING, cronDatabase]);
    }
    for (const [key, name] of Object.entries(TABLE_SETTINGS)) {
      await client.query('select set_config($1, $2, false)', [name, tables[key as keyof TableNames] ?? '']);
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
    });
    const verb = direction === 'up' ? 'applied' : 'undid';
    log(applied.length ? `${verb} ${applied.map((m) => m.name).join(', ')}` : `no migration to ${direction === 'up' ? 'apply' : 'undo'}`);
    if (direction === 'up') {
      const refreshed = await refreshSqlObjects(client, PG_MIGRATE_LOCK_ID);
      log(`refreshed from sql/functions, sql/procedures and sql/views: ${refreshed.join(', ') || 'none installed'}`);
      await recordTables(client, tables);
    }
    if (cron) await syncJobsFromCronDatabase(cron, client, appDatabase, log);
  } finally {
    await client.end();
    await cron?.end();
  }
}

/**
 * Records the table settings given (SESSIONS_TABLE, ...) after every up: they may have changed since the last
 * migration ran ("changing them means migrating again"). A setting left unset keeps its recorded value, so a
 * service started without them never switches the purge back to the defaults (or off Aria's archive tables).
 * use_tables checks them and changes nothing when they are the same.
 */
async function recordTables(client: pg.Client, tables: TableNames): Promise<void> {
  if (Object.values(tables).every((name) => name === undefined)) return;
  await client.query('begin');
  try {
    // Same lock as the migration runner: two migrators must not build the same index at once.
    await client.query('select pg_advisory_xact_lock($1)', [PG_MIGRATE_LOCK_ID]);
    const { rows } = await client.query(`select to_regclass('session_sweeper.settings') is not null as installed`);
    if (rows[0].installed) {
      await client.query(
        `select session_sweeper.use_tables(coalesce($1, s.sessions_table), coalesce($2, s.messages_table),
                                           coalesce($3, s.archive_sessions_table), coalesce($4, s.archive_messages_table))
         from session_sweeper.settings s`,
        [tables.sessions ?? null, tables.messages ?? null, tables.archiveSessions ?? null, tables.archiveMessages ?? null],
      );
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
}
