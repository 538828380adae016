// A real PgBouncer (Debian's 1.18) in front of the test database, as operators run it: pool_mode = transaction and
// otherwise its defaults (no ignore_startup_parameters). test/global-setup.ts starts one per project, serving every
// database of its server (each test file has its own).
import { spawn, execFileSync, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../src/dev/embedded-postgres.ts';

const BINARY = '/usr/sbin/pgbouncer';
const START_TIMEOUT_MS = 10_000;

export type PgBouncer = { url: string; stop: () => Promise<void> };

/** Starts PgBouncer on 127.0.0.1 in front of `databaseUrl`'s server; its url has the same user and database. */
export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  if (!existsSync(BINARY)) {
    throw new Error(`${BINARY} is missing: the suite runs the HTTP tests through PgBouncer (apt-get install pgbouncer)`);
  }
  const target = new URL(databaseUrl);
  const port = await findFreePort();
  const dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-pgbouncer-'));
  // auth_type = any: every client logs in to the server as the test database's own user (a throwaway, on loopback).
  const server = [`host=${target.hostname}`, `port=${target.port || 5432}`, `user=${decodeURIComponent(target.username)}`];
  if (target.password) server.push(`password=${decodeURIComponent(target.password)}`);
  const ini = path.join(dir, 'pgbouncer.ini');
  await writeFile(
    ini,
    [
      '[databases]',
      `* = ${server.join(' ')}`, // any database, by the name the client asks for
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      'pool_mode = transaction',
      '',
    ].join('\n'),
  );
  const child = spawn(BINARY, [ini], { stdio: ['ignore', 'ignore', 'pipe'], ...(await unprivileged(dir)) });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = once(child, 'exit');

  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  await waitUntilAnswering(url.toString(), () => child.exitCode !== null, () => log);
  return {
    url: url.toString(),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** PgBouncer refuses to run as root: as root, it runs as the postgres user (who must read its ini). */
async function unprivileged(dir: string): Promise<SpawnOptions> {
  if (process.getuid?.() !== 0) return {};
  await chmod(dir, 0o755);
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }));
  return { uid: id('-u'), gid: id('-g') };
}

async function waitUntilAnswering(url: string, exited: () => boolean, log: () => string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited()) throw new Error(`pgbouncer exited during start-up: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('select 1');
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`pgbouncer did not answer within ${START_TIMEOUT_MS} ms: ${error}; ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await client.end().catch(() => {});
    }
  }
}
