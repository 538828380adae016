// The database role the HTTP service runs as (see docs/security.md): migration 500 creates it, `migrate up` grants it
// what it needs after the routines are applied (a view recreated by its file would otherwise lose its grant).
import type pg from 'pg';

/** The routines the HTTP service calls, and those the views it reads call (views run functions with the reader's rights). */
const SERVICE_ROUTINES = [
  'create_session(text, text)',
  'find_session(uuid)',
  'add_session_message(uuid, text, text)',
  'delete_ghost_sessions(int, boolean)',
  'count_ghost_sessions(int)',
  'count_sessions()',
  'ghost_idle_minutes()',
  'is_session_sweeper_job(text)',
];
const SERVICE_RELATIONS = ['session_sweeper_stats', 'session_purge_log'];
/**
 * Where pg_cron runs: the jobs view and its schedules' time zone, and pausing and resuming our jobs from the
 * operator's page. Those three run as the jobs' owner (SECURITY DEFINER: pg_cron lets only a job's owner alter it) and refuse any job but ours; the
 * service role has no right on cron.job itself and cannot reschedule.
 */
const SERVICE_CRON_GRANTS = [
  'select on session_sweeper.session_sweeper_jobs',
  'execute on function session_sweeper.cron_timezone()',
  'execute on function session_sweeper.session_sweeper_pause(text)',
  'execute on function session_sweeper.session_sweeper_resume(text)',
];

/** Grants the service role (and SERVICE_DB_LOGIN, if set) its rights; nobody else may call our routines. */
export async function grantServiceRole(client: pg.ClientBase, { cronHere }: { cronHere: boolean }): Promise<void> {
  const role = serviceRole();
  const login = serviceLogin();
  await client.query(`
    revoke execute on all routines in schema session_sweeper from public;
    grant usage on schema session_sweeper to ${role};
    ${SERVICE_ROUTINES.map((routine) => `grant execute on function session_sweeper.${routine} to ${role};`).join('\n')}
    ${SERVICE_RELATIONS.map((relation) => `grant select on session_sweeper.${relation} to ${role};`).join('\n')}
    ${cronHere ? SERVICE_CRON_GRANTS.map((grant) => `grant ${grant} to ${role};`).join('\n') : ''}
    ${login ? `grant ${role} to ${login};` : ''}`);
}

/** How migrate() tells migration 500 the role's name (a session setting). */
export const SERVICE_ROLE_SETTING = 'session_sweeper.service_role';

/** SERVICE_DB_ROLE (default session_sweeper_api): the NOLOGIN role holding the service's rights. */
export function serviceRole(): string {
  return roleFromEnv('SERVICE_DB_ROLE', 'session_sweeper_api')!;
}

/** SERVICE_DB_LOGIN (optional): an existing login role that the service role is granted to. */
export function serviceLogin(): string | undefined {
  return roleFromEnv('SERVICE_DB_LOGIN');
}

function roleFromEnv(variable: string, fallback?: string): string | undefined {
  const name = process.env[variable] || fallback;
  if (name !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`${variable} must be a lower-case SQL identifier (letters, digits, _), got "${name}"`);
  }
  return name;
}
