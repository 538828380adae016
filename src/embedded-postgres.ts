// A PostgreSQL cluster with pg_cron owned by this process: the default of `npm start` and of `npm test`.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

type Log = (message: string) => void;

export type EmbeddedPostgres = {
  url: string;
  /** Fast shutdown; resolves once the server process has exited. */
  stop(): Promise<void>;
};

export type EmbeddedPostgresOptions = {
  /** Holds the cluster (`<dir>/postgres`) and its log (`<dir>/postgres.log`); kept across restarts. */
  dir: string;
  database: string;
  /** Where pg_cron runs (cron.database_name), as on managed PostgreSQL; default: `database`. */
  cronDatabase?: string;
  log: Log;
  env?: Record<string, string | undefined>;
  /** Default: a free port. A restart on the same `dir` can ask for its previous port to keep its URL. */
  port?: number;
};

const STOP_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 30_000;

/** The server settings pg_cron needs, as our clusters run it (also the Patroni cluster of `npm run test:ha`). */
export function pgCronSettings(cronDatabase: string): Record<string, string> {
  return {
    shared_preload_libraries: 'pg_cron',
    'cron.database_name': cronDatabase,
    // Jobs run in background workers, so they need no password-less login over localhost.
    'cron.use_background_workers': 'on',
    max_worker_processes: '20',
  };
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions) {
  const { dir, database, cronDatabase = database, log, env = process.env, port: wantedPort } = options;
  const bin = findPgBinDir(env);
  ensurePgCron(bin, log);

  const dataDir = path.resolve(dir, 'postgres');
  const asPostgres = await ownerForServer(path.resolve(dir), dataDir);
  const run = (program: string, args: string[]) =>
    execFileSync(path.join(bin, program), args, { ...asPostgres, stdio: 'pipe', encoding: 'utf8' });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL cluster in ${dataDir}`);
    // trust auth is safe here only because the server listens on 127.0.0.1 alone.
    run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale']);
  }
  if (isServerRunning(run, dataDir)) {
    log(`stopping a server left running in ${dataDir} by an earlier run`);
    run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']);
  }

  const port = wantedPort ?? (await findFreePort());
  const server = spawn(
    path.join(bin, 'postgres'),
    [
      '-D', dataDir,
      '-p', String(port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      ...Object.entries(pgCronSettings(cronDatabase)).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    // Own process group: Ctrl-C reaches only us, so we close HTTP first and stop the server last.
    { ...asPostgres, detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  server.stderr!.pipe(createWriteStream(path.resolve(dir, 'postgres.log'), { flags: 'a' }));

  const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
  const stop = () => stopServer(server);
  try {
    await waitUntilAccepting(server, `postgres://postgres@127.0.0.1:${port}/postgres`, path.resolve(dir, 'postgres.log'));
    await createDatabaseIfMissing(`postgres://postgres@127.0.0.1:${port}/postgres`, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop } satisfies EmbeddedPostgres;
}

/** PG_BIN, then `pg_config --bindir`, then the newest /usr/lib/postgresql/<major>/bin. */
export function findPgBinDir(env: Record<string, string | undefined>): string {
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // no pg_config on PATH
  }
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot).filter((name) => /^\d+$/.test(name));
    majors.sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => path.join(debianRoot, major, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(path.join(dir, 'initdb')));
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) were not found. Install them (Debian/Ubuntu: ' +
        'apt-get install -y postgresql-15 postgresql-15-cron), set PG_BIN to their directory, or set DATABASE_URL.',
    );
  }
  return found;
}

/** Installs postgresql-<major>-cron with apt when we may; otherwise fails with the command to run. */
function ensurePgCron(bin: string, log: Log) {
  const pgConfig = (flag: string) =>
    execFileSync(path.join(bin, 'pg_config'), [flag], { encoding: 'utf8', stdio: 'pipe' }).trim();
  if (existsSync(path.join(pgConfig('--sharedir'), 'extension', 'pg_cron.control'))) return;

  const major = pgConfig('--version').match(/(\d+)/)![1];
  const installCommand = `apt-get install -y postgresql-${major}-cron`;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(`pg_cron is not installed for PostgreSQL ${major} (${bin}). Install it: sudo ${installCommand}`);
  }
  log(`pg_cron is not installed for PostgreSQL ${major}: running "${installCommand}"`);
  const apt = (args: string[]) => execFileSync('apt-get', args, { stdio: 'inherit' });
  try {
    apt(['install', '-y', `postgresql-${major}-cron`]);
  } catch {
    log('apt-get install failed; refreshing package lists with "apt-get update" and trying once more');
    apt(['update']);
    apt(['install', '-y', `postgresql-${major}-cron`]);
  }
}

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user. */
export async function ownerForServer(dir: string, dataDir: string): Promise<SpawnOptions> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
  await chmod(dir, 0o755); // postgres must be able to reach its data directory
  await chown(dataDir, uid, gid);
  return { uid, gid };
}

function isServerRunning(run: (program: string, args: string[]) => string, dataDir: string): boolean {
  try {
    run('pg_ctl', ['status', '-D', dataDir]);
    return true;
  } catch {
    return false;
  }
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitUntilAccepting(server: ChildProcess, url: string, logFile: string) {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`PostgreSQL exited during start-up (code ${server.exitCode}); see ${logFile}`);
    }
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within 30 s; see ${logFile}`);
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function createDatabaseIfMissing(maintenanceUrl: string, database: string) {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

function stopServer(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    // If fast shutdown (SIGINT) hangs, immediate shutdown (SIGQUIT) still leaves no process behind.
    const escalate = setTimeout(() => server.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    server.once('exit', () => {
      clearTimeout(escalate);
      resolve();
    });
    server.kill('SIGINT');
  });
}
