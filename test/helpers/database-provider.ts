// Which PostgreSQL the suite runs on, chosen once per run by test/global-setup.ts, in this order:
//   url     TEST_DATABASE_URL, an existing database (its cron jobs are paused during the run)
//   docker  a container built from db.Dockerfile, when a Docker engine answers (testcontainers)
//   local   a throwaway cluster from the local PostgreSQL binaries (src/dev/embedded-postgres.ts)
// TEST_DATABASE_PROVIDER=url|docker|local forces one; a forced provider fails instead of falling back.
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.ts';

export const PROVIDERS = ['url', 'docker', 'local'] as const;
export type Provider = (typeof PROVIDERS)[number];
export type Choice = { provider: Provider; forced: boolean; reason: string };
export type DockerProbe = { ok: true; engine: string } | { ok: false; reason: string };
export type TestDatabase = { provider: Provider; url: string; description: string; stop: () => Promise<void> };
type Env = Record<string, string | undefined>;

const DATABASE = 'sweeper_test';
// A fixed tag, kept after the run: testcontainers' default is a new random tag per run, and without Ryuk
// (disabled where its image cannot be pulled) nothing would remove those.
const DOCKER_IMAGE = 'session-sweeper-db:test';
const DOCKER_PROBE_TIMEOUT_MS = 5_000;
const dbDockerfile = fileURLToPath(new URL('../../db.Dockerfile', import.meta.url));

/** Asks testcontainers for a Docker engine; bounded, because a hung daemon socket never answers. */
export async function probeDocker(timeoutMs = DOCKER_PROBE_TIMEOUT_MS): Promise<DockerProbe> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DockerProbe>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer from Docker within ${timeoutMs} ms` }), timeoutMs);
  });
  const probe = getContainerRuntimeClient().then(
    ({ info }): DockerProbe => ({
      ok: true,
      engine: `${info.containerRuntime.host}, Docker ${info.containerRuntime.serverVersion}`,
    }),
    (error: Error): DockerProbe => ({ ok: false, reason: error.message }),
  );
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function chooseProvider(env: Env, probe: () => Promise<DockerProbe> = probeDocker): Promise<Choice> {
  const forced = env.TEST_DATABASE_PROVIDER || undefined;
  if (forced !== undefined && !PROVIDERS.includes(forced as Provider)) {
    throw new Error(`TEST_DATABASE_PROVIDER must be one of ${PROVIDERS.join(', ')} (got "${forced}")`);
  }
  if (forced === 'local') return { provider: 'local', forced: true, reason: 'TEST_DATABASE_PROVIDER=local' };
  if (forced === 'url' || (!forced && env.TEST_DATABASE_URL)) {
    if (!env.TEST_DATABASE_URL) throw new Error('TEST_DATABASE_PROVIDER=url needs TEST_DATABASE_URL');
    return { provider: 'url', forced: Boolean(forced), reason: 'TEST_DATABASE_URL is set' };
  }
  const docker = await probe();
  if (forced === 'docker') {
    if (!docker.ok) throw new Error(`TEST_DATABASE_PROVIDER=docker, but no Docker engine answers: ${docker.reason}`);
    return { provider: 'docker', forced: true, reason: `TEST_DATABASE_PROVIDER=docker (${docker.engine})` };
  }
  return docker.ok
    ? { provider: 'docker', forced: false, reason: `a Docker engine answers (${docker.engine}); TEST_DATABASE_PROVIDER=local skips it` }
    : { provider: 'local', forced: false, reason: `no Docker engine (${docker.reason})` };
}

/** Chooses, starts and logs the test database. An automatic Docker choice that fails to start falls back to local. */
export async function startTestDatabase(env: Env): Promise<TestDatabase> {
  const choice = await chooseProvider(env);
  let reason = choice.reason;
  let database: TestDatabase;
  try {
    database = await start(choice.provider, env);
  } catch (error) {
    if (choice.provider !== 'docker' || choice.forced) throw error;
    reason =
      `the Docker container did not start (${(error as Error).message.trim()}); TEST_DATABASE_PROVIDER=docker ` +
      'shows the failure (where the Ryuk image cannot be pulled, set TESTCONTAINERS_RYUK_DISABLED=true)';
    database = await start('local', env);
  }
  console.log(`[test database] ${database.description} - chosen because ${reason}`);
  return database;
}

function start(provider: Provider, env: Env): Promise<TestDatabase> {
  if (provider === 'url') {
    return Promise.resolve({ provider, url: env.TEST_DATABASE_URL!, description: 'url: TEST_DATABASE_URL', stop: async () => {} });
  }
  return provider === 'docker' ? startDockerDatabase() : startLocalDatabase();
}

async function startLocalDatabase(): Promise<TestDatabase> {
  const dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-test-'));
  const cluster = await startEmbeddedPostgres({ dir, database: DATABASE, log: () => {} });
  return {
    provider: 'local',
    url: cluster.url,
    description: `local: throwaway cluster in ${dir}`,
    stop: async () => {
      await cluster.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function startDockerDatabase(): Promise<TestDatabase> {
  const { GenericContainer, Wait } = await import('testcontainers');
  // db.Dockerfile needs no files: a context holding only it spares sending (and listing) the project tree.
  const context = await mkdtemp(path.join(tmpdir(), 'session-sweeper-db-image-'));
  let image;
  try {
    await copyFile(dbDockerfile, path.join(context, 'db.Dockerfile'));
    image = await GenericContainer.fromDockerfile(context, 'db.Dockerfile').build(DOCKER_IMAGE, { deleteOnExit: false });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  const container = await image
    .withEnvironment({ POSTGRES_USER: 'sweeper', POSTGRES_PASSWORD: 'sweeper', POSTGRES_DB: DATABASE })
    .withExposedPorts(5432)
    // The entrypoint's temporary init server logs this first; the second time, it is the real server.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withStartupTimeout(120_000)
    .start();
  const address = `${container.getHost()}:${container.getMappedPort(5432)}`;
  return {
    provider: 'docker',
    url: `postgres://sweeper:sweeper@${address}/${DATABASE}`,
    description: `docker: ${DOCKER_IMAGE} (db.Dockerfile) container ${container.getId().slice(0, 12)} at ${address}`,
    stop: async () => {
      await container.stop();
    },
  };
}
