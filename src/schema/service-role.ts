// The database role the HTTP service runs as (see docs/security.md). Used by the migrations that grant to it.

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
