import type { MigrationBuilder } from 'node-pg-migrate';
import { forEachRoutine, serviceRole } from '../src/service-role.ts';

// GET /api/engine/jobs and /metrics read the operator views and the purge audit (the jobs view exists only where
// pg_cron runs, see 1764000000301). The routines that delete, write the audit or pause jobs are for the owner (or
// a DBA) only: PUBLIC may not call them.
const READ_RELATIONS = ['session_sweeper_jobs', 'session_sweeper_stats', 'session_purge_log'];
const OWNER_ONLY_ROUTINES = [
  'delete_ghost_sessions_batch',
  'purge_ghost_sessions',
  'log_session_purge',
  'delete_old_purge_log',
  'session_sweeper_pause',
  'session_sweeper_resume',
  'session_sweeper_set_active',
  'session_sweeper_set_schedule',
];

export function up(pgm: MigrationBuilder): void {
  const role = serviceRole();
  pgm.sql(forEachRelation(`grant select on %s to ${role}`));
  pgm.sql(forEachRoutine(OWNER_ONLY_ROUTINES, 'revoke execute on routine %s from public'));
}

export function down(pgm: MigrationBuilder): void {
  const role = serviceRole();
  pgm.sql(forEachRoutine(OWNER_ONLY_ROUTINES, 'grant execute on routine %s to public'));
  pgm.sql(forEachRelation(`revoke select on %s from ${role}`));
}

function forEachRelation(statement: string): string {
  return `
  do $$
  declare
    relation regclass;
  begin
    for relation in select to_regclass(name) from unnest(array['${READ_RELATIONS.join("','")}']) as name loop
      if relation is not null then
        execute format('${statement}', relation);
      end if;
    end loop;
  end
  $$;`;
}
