// A Patroni cluster on loopback for `npm run test:ha`: one etcd, two Patroni members running PostgreSQL 15 with
// pg_cron, and HAProxy in front sending connections to whichever member Patroni's REST API calls the primary.
// Everything lives under one temporary directory; stop() ends every process it started and removes the directory.
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort, ownerForServer, pgCronSettings } from '../../src/dev/embedded-postgres.ts';

type Log = (message: string) => void;

const PG_MAJOR = 15;
const PG_BIN = `/usr/lib/postgresql/${PG_MAJOR}/bin`;
export const DATABASE = 'aria';
const SCOPE = 'session-sweeper-ha';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** What the cluster needs, as Debian packages: the file that shows each is installed. */
const PACKAGES: Record<string, string> = {
  [`postgresql-${PG_MAJOR}`]: `${PG_BIN}/postgres`,
  [`postgresql-${PG_MAJOR}-cron`]: `/usr/share/postgresql/${PG_MAJOR}/extension/pg_cron.control`,
  patroni: '/usr/bin/patroni',
  'etcd-server': '/usr/bin/etcd',
  haproxy: '/usr/sbin/haproxy',
};

/** Installs the missing packages with apt when root; otherwise fails with the command to run. */
export function ensureHaPackages(log: Log) {
  const missing = Object.keys(PACKAGES).filter((name) => !existsSync(PACKAGES[name]));
  if (!missing.length) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new Error(`npm run test:ha needs ${missing.join(', ')}. Install them: sudo ${command}`);
  }
  log(`installing ${missing.join(', ')} with apt`);
  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', ...missing]);
}

export type Member = {
  name: string;
  /** Straight to this member's PostgreSQL, bypassing HAProxy. */
  url: string;
  restUrl: string;
  dataDir: string;
  /** Patroni's output, which includes its PostgreSQL's log. */
  logFile: string;
};

/** A member as Patroni's GET /cluster describes it. */
export type MemberState = { name: string; role: string; state: string; timeline?: number };

export type HaCluster = {
  /** The application database through HAProxy: always the current primary. */
  url: string;
  members: Member[];
  /** Patroni's view of the cluster, asked of `member`. */
  clusterState(member: Member): Promise<MemberState[]>;
  /** Whether Patroni's REST API calls `member` the primary (HAProxy's check). */
  isPrimary(member: Member): Promise<boolean>;
  /** The last lines of each process's log, for a failure message. */
  logTails(): string;
  /** SIGKILL to the postmaster of `member`'s PostgreSQL. */
  killPostgres(member: Member): void;
  stop(): Promise<void>;
};

export async function startHaCluster(log: Log): Promise<HaCluster> {
  ensureHaPackages(log);
  const dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-ha-'));
  const processes: ChildProcess[] = [];
  const members: Member[] = [];
  const run = (name: string, command: string, args: string[], options: SpawnOptions = {}) => {
    // Straight to a file: PostgreSQL inherits Patroni's output and may outlive a pipe to us.
    const output = openSync(path.join(dir, `${name}.log`), 'a');
    const child = spawn(command, args, { ...options, stdio: ['ignore', output, output] });
    closeSync(output);
    processes.push(child);
    return child;
  };
  const cluster: HaCluster = {
    url: '',
    members,
    clusterState: async (member) => (await getJson(`${member.restUrl}/cluster`)).members,
    isPrimary: async (member) => (await httpStatus(`${member.restUrl}/primary`)) === 200,
    logTails: () => tailOfLogs(dir, members),
    killPostgres: (member) => process.kill(postmasterPid(member.dataDir)!, 'SIGKILL'),
    stop: () => stopAll(processes, members, dir),
  };

  try {
    const etcdPort = await findFreePort();
    const etcdPeerPort = await findFreePort();
    run('etcd', 'etcd', [
      '--name', 'etcd', '--data-dir', path.join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster', `etcd=http://127.0.0.1:${etcdPeerPort}`,
    ]);
    await waitFor('etcd', async () => (await httpStatus(`http://127.0.0.1:${etcdPort}/health`)) === 200);

    for (const name of ['pg1', 'pg2']) {
      const memberDir = path.join(dir, name);
      const asPostgres = await ownerForServer(dir, path.join(memberDir, 'data'));
      const [pgPort, restPort] = [await findFreePort(), await findFreePort()];
      const member: Member = {
        name,
        url: `postgres://postgres@127.0.0.1:${pgPort}/${DATABASE}`,
        restUrl: `http://127.0.0.1:${restPort}`,
        dataDir: path.join(memberDir, 'data'),
        logFile: path.join(dir, `${name}.log`),
      };
      const configFile = path.join(memberDir, 'patroni.yml');
      // JSON is YAML: no YAML library needed.
      await writeFile(configFile, JSON.stringify(patroniConfig(member, memberDir, pgPort, restPort, etcdPort), null, 2));
      if (asPostgres.uid !== undefined) await chown(memberDir, asPostgres.uid, asPostgres.gid!);
      // Only what Patroni needs: in particular no PGPASSWORD, which libpq would prefer to the pgpass file Patroni writes.
      run(name, 'patroni', [configFile], { ...asPostgres, env: { PATH: process.env.PATH, LANG: 'C.UTF-8' } });
      members.push(member);
      if (name === 'pg1') {
        // The first member bootstraps alone, so it is the leader; the application database exists before the
        // second one copies it.
        await waitFor('pg1 to lead', () => cluster.isPrimary(member));
        await createDatabase(member.url.replace(/[^/]+$/, 'postgres'));
      }
    }
    await waitFor('pg2 to be the synchronous standby', async () =>
      (await cluster.clusterState(members[0])).some((m) => m.name === 'pg2' && m.role === 'sync_standby'),
    );

    const [haproxyPort, statsPort] = [await findFreePort(), await findFreePort()];
    const haproxyConfig = path.join(dir, 'haproxy.cfg');
    await writeFile(haproxyConfig, haproxyConfigText(haproxyPort, statsPort, members));
    run('haproxy', 'haproxy', ['-db', '-f', haproxyConfig]);
    cluster.url = `postgres://postgres@127.0.0.1:${haproxyPort}/${DATABASE}`;
    // HAProxy counts every server up until its checks fail: wait until it has checked both.
    await waitFor('HAProxy to send connections to pg1 only', async () => {
      const states = await haproxyServerStates(statsPort);
      return states.pg1 === 'UP' && states.pg2 === 'DOWN';
    });
    log(`HA cluster up in ${dir}: etcd 127.0.0.1:${etcdPort}, ${members.map((m) => `${m.name} ${m.url}`).join(', ')}, HAProxy ${cluster.url}`);
    return cluster;
  } catch (error) {
    log(`HA cluster failed to start:\n${cluster.logTails()}`);
    await cluster.stop();
    throw error;
  }
}

function patroniConfig(member: Member, memberDir: string, pgPort: number, restPort: number, etcdPort: number) {
  return {
    scope: SCOPE,
    name: member.name,
    restapi: { listen: `127.0.0.1:${restPort}`, connect_address: `127.0.0.1:${restPort}` },
    etcd3: { hosts: [`127.0.0.1:${etcdPort}`] },
    bootstrap: {
      // Cluster-wide settings, kept in etcd.
      dcs: {
        ttl: 20,
        loop_wait: 1,
        retry_timeout: 5,
        // A commit is acknowledged only once the standby has it: what the API acknowledged survives a failover.
        synchronous_mode: true,
        // A crashed primary hands over at once instead of being restarted in place as the leader.
        primary_start_timeout: 0,
        postgresql: { use_pg_rewind: true, parameters: pgCronSettings(DATABASE) },
      },
      initdb: [{ encoding: 'UTF8' }, 'no-locale'],
    },
    postgresql: {
      listen: `127.0.0.1:${pgPort}`,
      connect_address: `127.0.0.1:${pgPort}`,
      data_dir: member.dataDir,
      bin_dir: PG_BIN,
      pgpass: path.join(memberDir, 'pgpass'),
      // trust is safe here only because every member listens on 127.0.0.1 alone.
      authentication: { superuser: { username: 'postgres' }, replication: { username: 'replicator' } },
      pg_hba: ['host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust'],
      parameters: { unix_socket_directories: '' },
      basebackup: [{ checkpoint: 'fast' }],
      // The old primary rejoins as a replica whatever happened to it.
      remove_data_directory_on_rewind_failure: true,
      remove_data_directory_on_diverged_timelines: true,
    },
  };
}

function haproxyConfigText(port: number, statsPort: number, members: Member[]) {
  return `global
  maxconn 200

defaults
  mode tcp
  timeout connect 1s
  timeout client 30m
  timeout server 30m
  timeout check 1s

listen postgres-primary
  bind 127.0.0.1:${port}
  # 200 only from the member Patroni calls the primary
  option httpchk OPTIONS /primary
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1 on-marked-down shutdown-sessions
${members.map((m) => `  server ${m.name} ${new URL(m.url).host} check port ${new URL(m.restUrl).port}`).join('\n')}

listen stats
  mode http
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /
`;
}

/** Server name -> UP / DOWN / ..., from HAProxy's stats page (CSV). */
async function haproxyServerStates(statsPort: number): Promise<Record<string, string>> {
  const csv = await (await fetch(`http://127.0.0.1:${statsPort}/;csv`, { signal: AbortSignal.timeout(1000) })).text();
  const [header, ...rows] = csv.replace(/^# /, '').trim().split('\n').map((line) => line.split(','));
  const [proxy, server, status] = ['pxname', 'svname', 'status'].map((column) => header.indexOf(column));
  return Object.fromEntries(rows.filter((row) => row[proxy] === 'postgres-primary').map((row) => [row[server], row[status]]));
}

async function stopAll(processes: ChildProcess[], members: Member[], dir: string) {
  // HAProxy first, then Patroni (it stops its PostgreSQL), etcd last: Patroni talks to it while stopping.
  const order = [...processes.filter((p) => p.spawnfile !== 'etcd'), ...processes.filter((p) => p.spawnfile === 'etcd')];
  for (const child of order) await stopProcess(child);
  // A PostgreSQL whose Patroni did not stop it (Patroni killed, or stuck) is stopped by its pid.
  for (const member of members) {
    const pid = postmasterPid(member.dataDir);
    if (pid && isAlive(pid)) {
      process.kill(pid, 'SIGQUIT');
      await waitFor(`${member.name}'s PostgreSQL to exit`, async () => !isAlive(pid), STOP_TIMEOUT_MS).catch(() =>
        process.kill(pid, 'SIGKILL'),
      );
    }
  }
  await rm(dir, { recursive: true, force: true });
}

async function stopProcess(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function createDatabase(maintenanceUrl: string) {
  const client = new pg.Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`create database ${DATABASE}`);
  } finally {
    await client.end();
  }
}

export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(1000) })).status;
  } catch {
    return undefined;
  }
}

async function getJson(url: string) {
  return (await fetch(url, { signal: AbortSignal.timeout(1000) })).json();
}

/** Polls `condition` every 100 ms until it holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = START_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tailOfLogs(dir: string, members: Member[]) {
  return ['etcd', ...members.map((m) => m.name), 'haproxy']
    .map((name) => {
      const file = path.join(dir, `${name}.log`);
      const text = existsSync(file) ? readFileSync(file, 'utf8') : '(none)';
      return `--- ${name}.log\n${text.split('\n').slice(-30).join('\n')}`;
    })
    .join('\n');
}
