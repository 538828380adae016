// A PostgreSQL cluster with pg_cron owned by this process: the default of `npm start` and of `npm test`.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
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
  const install = findInstallation(env);
  ensurePgCron(install, log);

  const dataDir = path.resolve(dir, 'postgres');
  const owner = await ownerForServer(path.resolve(dir), dataDir, install.root);
  const run = (program: string, args: string[]) => {
    const [file, argv, options] = command(install, owner, program, args);
    return execFileSync(file, argv, { ...options, stdio: 'pipe', encoding: 'utf8' });
  };
  const serverDataDir = pathInside(install, dataDir);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    log(`initialising a PostgreSQL cluster in ${dataDir}`);
    // trust auth is safe here only because the server listens on 127.0.0.1 alone.
    run('initdb', ['-D', serverDataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale']);
  }
  if (isServerRunning(run, serverDataDir)) {
    log(`stopping a server left running in ${dataDir} by an earlier run`);
    run('pg_ctl', ['stop', '-D', serverDataDir, '-m', 'fast', '-w']);
  }

  const port = wantedPort ?? (await findFreePort());
  const [file, argv, spawnOptions] = command(install, owner, 'postgres', [
    '-D',
    serverDataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    ...Object.entries(pgCronSettings(cronDatabase)).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
  ]);
  // Own process group: Ctrl-C reaches only us, so we close HTTP first and stop the server last.
  // chroot execs postgres in its own process, so `server` is the postmaster and our signals reach it.
  const server = spawn(file, argv, { ...spawnOptions, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr!.pipe(createWriteStream(path.resolve(dir, 'postgres.log'), { flags: 'a' }));

  const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
  const stop = () => stopServer(server);
  try {
    await waitUntilAccepting(
      server,
      `postgres://postgres@127.0.0.1:${port}/postgres`,
      path.resolve(dir, 'postgres.log'),
    );
    await createDatabaseIfMissing(`postgres://postgres@127.0.0.1:${port}/postgres`, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop } satisfies EmbeddedPostgres;
}

/**
 * Where the server programs are. With PG_CHROOT they live in that root directory (e.g. Debian trixie's
 * PostgreSQL 17 on a bookworm host, made by scripts/pg17-root.sh) and run under chroot, which needs root;
 * `bin` and the paths handed to the programs are then the root's own.
 */
type Installation = { bin: string; root?: string };
type Owner = { uid: number; gid: number };

function findInstallation(env: Record<string, string | undefined>): Installation {
  if (!env.PG_CHROOT) return { bin: findPgBinDir(env) };
  const root = path.resolve(env.PG_CHROOT);
  if (process.getuid?.() !== 0) throw new Error(`PG_CHROOT=${root} needs root (chroot); unset it or run as root`);
  return { bin: findPgBinDir(env, root), root };
}

/** The program and arguments that run `program` of the installation, as `owner` when given. */
function command(install: Installation, owner: Partial<Owner>, program: string, args: string[]) {
  const file = path.join(install.bin, program);
  if (!install.root) return [file, args, owner] as const;
  const userspec = owner.uid === undefined ? [] : [`--userspec=${owner.uid}:${owner.gid}`];
  return ['chroot', [...userspec, install.root, file, ...args], {}] as const;
}

/** How to run one of the installation's client programs (e.g. pg_dump), under PG_CHROOT when set. */
export function pgProgram(program: string, args: string[], env = process.env): readonly [string, string[]] {
  const [file, programArgs] = command(findInstallation(env), {}, program, args);
  return [file, [...programArgs]];
}

/** The path the installation's programs see for a path of this machine: inside PG_CHROOT, relative to it. */
function pathInside(install: Installation, hostPath: string): string {
  if (!install.root) return hostPath;
  const relative = path.relative(install.root, hostPath);
  if (relative.startsWith('..') || path.isAbsolute(relative)) {
    throw new Error(
      `${hostPath} is outside PG_CHROOT=${install.root}: put the cluster inside it (e.g. TMPDIR=${install.root}/tmp)`,
    );
  }
  return path.join('/', relative);
}

/** PG_BIN, then `pg_config --bindir`, then the newest /usr/lib/postgresql/<major>/bin (within `root` if given). */
export function findPgBinDir(env: Record<string, string | undefined>, root = '/'): string {
  const candidates: string[] = [];
  if (env.PG_BIN) candidates.push(env.PG_BIN);
  try {
    if (root === '/')
      candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: 'pipe' }).trim());
  } catch {
    // no pg_config on PATH
  }
  const debianRoot = path.join(root, '/usr/lib/postgresql');
  if (existsSync(debianRoot)) {
    const majors = readdirSync(debianRoot).filter((name) => /^\d+$/.test(name));
    majors.sort((a, b) => Number(b) - Number(a));
    candidates.push(...majors.map((major) => path.join('/usr/lib/postgresql', major, 'bin')));
  }
  const found = candidates.find((dir) => existsSync(path.join(root, dir, 'initdb')));
  if (!found) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) were not found. Install them (Debian/Ubuntu: ' +
        'apt-get install -y postgresql-15 postgresql-15-cron), set PG_BIN to their directory, or set DATABASE_URL.',
    );
  }
  return found;
}

/** Installs postgresql-<major>-cron with apt when we may; otherwise fails with the command to run. */
function ensurePgCron(install: Installation, log: Log) {
  const pgConfig = (flag: string) => {
    const [file, args] = command(install, {}, 'pg_config', [flag]);
    return execFileSync(file, args, { encoding: 'utf8', stdio: 'pipe' }).trim();
  };
  const root = install.root ?? '/';
  if (existsSync(path.join(root, pgConfig('--sharedir'), 'extension', 'pg_cron.control'))) return;

  const major = pgConfig('--version').match(/(\d+)/)![1];
  const installCommand = `${install.root ? `chroot ${root} ` : ''}apt-get install -y postgresql-${major}-cron`;
  const canInstall = !install.root && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      `pg_cron is not installed for PostgreSQL ${major} (${install.bin}). Install it: sudo ${installCommand}`,
    );
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

/** PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user (of `root`, the installation's). */
export async function ownerForServer(dir: string, dataDir: string, root = '/'): Promise<Partial<Owner>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return {};
  const passwd = path.join(root, 'etc/passwd');
  const entry = colonRows(passwd).find(([name]) => name === 'postgres');
  if (!entry)
    throw new Error(`no postgres user in ${passwd}: PostgreSQL refuses to run as root (adduser --system postgres)`);
  const owner = { uid: Number(entry[2]), gid: Number(entry[3]) };
  await chmod(dir, 0o755); // postgres must be able to reach its data directory
  await chown(dataDir, owner.uid, owner.gid);
  // Its groups: the primary one, and those listing it as a member (Debian's ssl-cert).
  const gids = new Set([owner.gid]);
  for (const [, , gid, members = ''] of colonRows(path.join(root, 'etc/group'))) {
    if (members.split(',').includes('postgres')) gids.add(Number(gid));
  }
  await requireSearchableBy(owner.uid, gids, path.dirname(path.resolve(dir)), path.resolve(root));
  return owner;
}

/** The lines of /etc/passwd or /etc/group, split into their fields. */
export function colonRows(file: string): string[][] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
}

/**
 * Fails, naming the directory and the fix, when user `uid` (in groups `gids`) cannot pass through `from` or a parent
 * of it up to `top`.
 */
async function requireSearchableBy(uid: number, gids: Set<number>, from: string, top: string) {
  for (let current = from; ; current = path.dirname(current)) {
    const stats = await stat(current);
    const searchBit = stats.uid === uid ? 0o100 : gids.has(stats.gid) ? 0o010 : 0o001;
    if (!(stats.mode & searchBit)) {
      throw new Error(
        `the postgres user cannot reach its data directory: ${current} is closed to it (mode ${(stats.mode & 0o777).toString(8)}). ` +
          `Run \`chmod o+x ${current}\`, or set DATA_DIR to a directory outside it.`,
      );
    }
    if (current === top || current === path.dirname(current)) return;
  }
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
