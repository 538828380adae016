// Managed PostgreSQL (RDS, Cloud SQL, ...): pg_cron can only be created in one database (cron.database_name,
// usually `postgres`), and jobs for the app database are scheduled from there with cron.schedule_in_database.
// migrate() does that part over a second connection when CRON_DATABASE names another database.
import type { MigrationBuilder } from 'node-pg-migrate';
import type pg from 'pg';
import { CRON_JOB_NAMES, CRON_JOBS } from './cron-jobs.ts';
import { readSqlFile } from './sql-files.ts';

/** Session setting by which migrate() tells the migrations that pg_cron lives in another database. */
export const CRON_DATABASE_SETTING = 'session_sweeper.cron_database';

/** The migration whose being applied means "our jobs are scheduled". */
const SCHEDULE_MIGRATION = '1764000000500_create-schema-session-sweeper';

export async function pgCronIsElsewhere(pgm: MigrationBuilder): Promise<boolean> {
  const [row] = await pgm.db.select(`select current_setting('${CRON_DATABASE_SETTING}', true) as cron_database`);
  return Boolean(row.cron_database);
}

/** The same server and credentials, another database. */
export function databaseUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** What migration 1764000000000 does in the app database, done in the cron database. */
export async function prepareCronDatabase(cron: pg.ClientBase): Promise<void> {
  await cron.query(await readSqlFile('checks/require_pg_cron.sql'));
  await cron.query('create extension if not exists pg_cron');
}

/**
 * Makes the cron database hold our jobs for appDatabase exactly while the schedule migration is applied there:
 * schedules the missing ones (a job that exists keeps the schedule a DBA may have tuned), and unschedules ours
 * once that migration is undone.
 */
export async function syncJobsFromCronDatabase(
  cron: pg.ClientBase,
  app: pg.ClientBase,
  appDatabase: string,
  log: (message: string) => void,
): Promise<void> {
  const { rowCount: scheduled } = await app.query('select from session_sweeper.pgmigrations where name = $1', [SCHEDULE_MIGRATION]);
  const { rows: existing } = await cron.query<{ jobid: string; jobname: string; database: string; command: string }>(
    'select jobid, jobname, database, command from cron.job where jobname = any($1) and username = current_user',
    [CRON_JOB_NAMES],
  );
  if (!scheduled) {
    const ours = existing.filter((job) => job.database === appDatabase);
    for (const job of ours) await cron.query('select cron.unschedule($1::bigint)', [job.jobid]);
    if (ours.length) log(`unscheduled ${ours.map((job) => job.jobname).join(', ')} from the cron database`);
    return;
  }
  const added: string[] = [];
  for (const { name, schedule, command } of CRON_JOBS) {
    const found = existing.find((job) => job.jobname === name);
    if (found && found.database !== appDatabase) {
      // pg_cron keys jobs by (name, user): scheduling ours would take over the other database's job.
      throw new Error(
        `pg_cron job "${name}" of this database user already runs in database "${found.database}". ` +
          'Use another database user for this app database, or unschedule that job.',
      );
    }
    if (found) {
      // A job scheduled by an older release keeps its schedule; its command follows ours.
      if (found.command !== command) await cron.query('select cron.alter_job($1::bigint, command => $2)', [found.jobid, command]);
      continue;
    }
    await cron.query('select cron.schedule_in_database($1, $2, $3, $4)', [name, schedule, command, appDatabase]);
    added.push(name);
  }
  if (added.length) log(`scheduled ${added.join(', ')} from the cron database into "${appDatabase}"`);
}
