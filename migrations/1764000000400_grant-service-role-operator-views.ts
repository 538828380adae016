import type { MigrationBuilder } from 'node-pg-migrate';
import { forEachFunction, serviceRole } from '../src/service-role.ts';

// GET /api/engine/jobs and /metrics read the operator views and the purge audit (the jobs view exists only where
// pg_cron runs, see 1764000000301). The functions that write the audit or pause jobs are for the owner (or a DBA)
// only: PUBLIC may not call them.
const READ_RELATIONS = ['session_sweeper_jobs', 'session_sweeper_stats', 'session_purge_log'];
const OWNER_ONLY_FUNCTIONS = [
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
  pgm.sql(forEachFunction(OWNER_ONLY_FUNCTIONS, 'revoke execute on function %s from public'));
}

export function down(pgm: MigrationBuilder): void {
  const role = serviceRole();
  pgm.sql(forEachFunction(OWNER_ONLY_FUNCTIONS, 'grant execute on function %s to public'));
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
