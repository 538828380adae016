// Our pg_cron jobs, scheduled by `migrate up` after the migrations, in the app database or (managed PostgreSQL,
// CRON_DATABASE) from the database pg_cron runs in, with cron.schedule_in_database.
// The names are a contract (DBAs, alerts, the jobs API). Their prefix marks them ours: the SQL side knows our jobs by
// it (sql/functions/is_session_sweeper_job.sql), and a DBA's own jobs cannot clash with them.
// Every minute, not every 10: a ghost then lives at most 15 min idle + 1 min until the next run (~16 min), which
// keeps the "no ghost after 15 minutes" promise. The threshold itself is session_sweeper.ghost_idle_minutes().
// The ghost and prune jobs CALL the procedures that commit per batch (see docs/performance.md).
import type pg from 'pg';
import { checksumOf, isApplied, readSqlFile, recordApplied } from './sql-files.ts';

export const CRON_JOBS = [
  {
    name: 'session_sweeper.ghost-sessions-purge',
    schedule: '* * * * *',
    command: 'CALL session_sweeper.purge_ghost_sessions()',
  },
  {
    name: 'session_sweeper.old-sessions-prune',
    schedule: '0 */6 * * *',
    command: 'CALL session_sweeper.purge_old_sessions(30)',
  },
  {
    name: 'session_sweeper.cron-history-cleanup',
    schedule: '30 3 * * *',
    command: 'SELECT session_sweeper.delete_old_cron_history(7)',
  },
] as const;

/** A job's name before the prefix (releases up to 2026-11-26): such a job is renamed, keeping schedule and state. */
const formerName = (name: string) => name.slice('session_sweeper.'.length);

/** The same server and credentials, another database. */
export function databaseUrlFor(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** Creates pg_cron where it runs, when missing, after checking (with the setting to fix) that it can; true if created. */
export async function preparePgCron(cron: pg.ClientBase): Promise<boolean> {
  const { rows } = await cron.query(`select exists (select from pg_extension where extname = 'pg_cron') as present`);
  if (rows[0].present) return false;
  await cron.query(await readSqlFile('checks/require_pg_cron.sql'));
  await cron.query('create extension pg_cron');
  return true;
}

type ExistingJob = {
  jobid: string;
  jobname: string;
  database: string;
  command: string;
  schedule: string;
  active: boolean;
};

/** Recorded with the repeatable files' checksums: the jobs are scheduled again only when their definitions change. */
const JOBS_ENTRY = 'src/schema/cron-jobs.ts';
const JOBS_CHECKSUM = checksumOf(JSON.stringify(CRON_JOBS));

/**
 * Makes pg_cron hold our jobs for appDatabase exactly while we are installed there: once installed, and again when
 * CRON_JOBS changes, schedules the missing ones (one that exists keeps the schedule and state a DBA may have set; its
 * command follows ours); once the migrations are undone, unschedules ours. `cron` is `app` when pg_cron runs there.
 * Only when something changed: pg_cron shows each user its own jobs only, so a `migrate up` by another role
 * (MIGRATION_DATABASE_URL) would otherwise schedule a second set.
 */
export async function syncJobs(
  cron: pg.ClientBase,
  app: pg.ClientBase,
  { appDatabase, installed, cronHere }: { appDatabase: string; installed: boolean; cronHere: boolean },
  log: (message: string) => void,
): Promise<void> {
  if (installed && (await isApplied(app, JOBS_ENTRY, JOBS_CHECKSUM))) return;
  const { rows: cronTable } = await cron.query(`select to_regclass('cron.job') is not null as present`);
  if (!cronTable[0].present) return; // pg_cron itself is gone (a second `down`): no job left to unschedule
  const names = CRON_JOBS.flatMap(({ name }) => [name, formerName(name)]);
  const { rows: existing } = await cron.query<ExistingJob>(
    `select jobid, jobname, database, command, schedule, active from cron.job
     where jobname = any($1) and username = current_user`,
    [names],
  );
  const ours = existing.filter((job) => job.database === appDatabase);
  const where = cronHere ? '' : ` from the cron database into "${appDatabase}"`;
  const unschedule = (job: ExistingJob) => cron.query('select cron.unschedule($1::bigint)', [job.jobid]);
  if (!installed) {
    for (const job of ours) await unschedule(job);
    if (ours.length) log(`unscheduled ${ours.map((job) => job.jobname).join(', ')}${where}`);
    return;
  }
  const added: string[] = [];
  for (const { name, schedule, command } of CRON_JOBS) {
    const other = existing.find((job) => job.jobname === name && job.database !== appDatabase);
    if (other) {
      // pg_cron keys jobs by (name, user): scheduling ours would take over the other database's job.
      throw new Error(
        `pg_cron job "${name}" of this database user already runs in database "${other.database}". ` +
          'Use another database user for this app database, or unschedule that job.',
      );
    }
    const found = ours.find((job) => job.jobname === name);
    if (found) {
      if (found.command !== command)
        await cron.query('select cron.alter_job($1::bigint, command => $2)', [found.jobid, command]);
      continue;
    }
    const former = ours.find((job) => job.jobname === formerName(name));
    const args = [name, former?.schedule ?? schedule, command];
    // cron.schedule needs no grant; scheduling into another database does.
    const { rows } = cronHere
      ? await cron.query('select cron.schedule($1, $2, $3) as jobid', args)
      : await cron.query('select cron.schedule_in_database($1, $2, $3, $4) as jobid', [...args, appDatabase]);
    if (former) {
      if (!former.active) await cron.query('select cron.alter_job($1::bigint, active => false)', [rows[0].jobid]);
      await unschedule(former);
    }
    added.push(former ? `${name} (was ${former.jobname})` : name);
  }
  if (added.length) log(`scheduled ${added.join(', ')}${where}`);
  await recordApplied(app, JOBS_ENTRY, JOBS_CHECKSUM);
}

/** After the last of ours is undone: pg_cron goes too, unless jobs other than ours still use it. */
export async function dropPgCronIfUnused(cron: pg.ClientBase): Promise<void> {
  await cron.query(`
    do $$
    begin
      if to_regclass('cron.job') is not null then -- not gone already (a second down)
        if not exists (select from cron.job) then
          drop extension pg_cron;
        end if;
      end if;
    end
    $$`);
}
