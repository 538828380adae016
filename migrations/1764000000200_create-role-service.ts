import type { MigrationBuilder } from 'node-pg-migrate';
import { forEachRoutine, serviceLogin, serviceRole } from '../src/service-role.ts';
import { readSqlFile } from '../src/sql-files.ts';

// The role the HTTP service runs as: only what the routes need, nothing that deletes rows or changes the schema.
// Name: SERVICE_DB_ROLE (default session_sweeper_api), NOLOGIN; SERVICE_DB_LOGIN (optional) names an existing
// login role to grant it to. A function the service must call needs a grant here or in a later migration.
const SERVICE_FUNCTIONS = ['delete_ghost_sessions', 'add_session_message'];
// Ours, and SECURITY DEFINER: nobody else may call them. A new one needs adding in a later migration.
const OUR_FUNCTIONS = [...SERVICE_FUNCTIONS, 'prune_old_sessions', 'delete_old_cron_history'];

export async function up(pgm: MigrationBuilder): Promise<void> {
  const role = serviceRole();
  const login = serviceLogin();
  pgm.sql(await readSqlFile('functions/add_session_message.sql'));
  pgm.sql(`
    do $$
    begin
      create role ${role} nologin;
    exception when duplicate_object then
      null; -- made by an operator, or by this migration in another database of the cluster
    end
    $$;
    grant usage on schema public to ${role};
    grant select, insert (agent_id, title) on engine_chat_sessions to ${role};
  `);
  pgm.sql(forEachRoutine(OUR_FUNCTIONS, 'revoke execute on function %s from public'));
  pgm.sql(forEachRoutine(SERVICE_FUNCTIONS, `grant execute on function %s to ${role}`));
  if (login) pgm.sql(`grant ${role} to ${login}`);
}

export function down(pgm: MigrationBuilder): void {
  const role = serviceRole();
  pgm.sql(forEachRoutine(SERVICE_FUNCTIONS, `revoke execute on function %s from ${role}`));
  pgm.sql(forEachRoutine(OUR_FUNCTIONS, 'grant execute on function %s to public'));
  pgm.sql(`
    revoke all on engine_chat_sessions from ${role};
    revoke usage on schema public from ${role};
    drop function add_session_message(uuid, text, text);
    do $$
    begin
      drop role ${role};
    exception when dependent_objects_still_exist then
      null; -- still granted rights in another database of the cluster
    end
    $$;
  `);
}
