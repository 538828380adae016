import type { MigrationBuilder } from 'node-pg-migrate';
import { escapeLiteral } from 'pg';
import { CRON_JOB_NAMES, CRON_JOBS } from '../src/cron-jobs.ts';
import { pgCronIsElsewhere } from '../src/managed-cron.ts';

// With pg_cron in another database (CRON_DATABASE), migrate() schedules the same jobs from there.
export async function up(pgm: MigrationBuilder): Promise<void> {
  if (await pgCronIsElsewhere(pgm)) return;
  pgm.sql(
    CRON_JOBS.map(
      ({ name, schedule, command }) =>
        `select cron.schedule(${escapeLiteral(name)}, ${escapeLiteral(schedule)}, ${escapeLiteral(command)});`,
    ).join('\n'),
  );
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  if (await pgCronIsElsewhere(pgm)) return;
  // cron.unschedule(name) fails for a missing job, so only unschedule the ones that exist.
  pgm.sql(
    `select cron.unschedule(jobid) from cron.job where jobname in (${CRON_JOB_NAMES.map(escapeLiteral).join(', ')});`,
  );
}
