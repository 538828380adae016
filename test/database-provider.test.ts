import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chooseProvider, type DockerProbe, probeDocker } from './helpers/database-provider.ts';

const engine = (): Promise<DockerProbe> =>
  Promise.resolve({ ok: true, engine: 'unix:///var/run/docker.sock, Docker 27' });
const noEngine = (): Promise<DockerProbe> => Promise.resolve({ ok: false, reason: 'no socket' });

describe('chooseProvider', () => {
  it('prefers TEST_DATABASE_URL without asking Docker', async () => {
    const probe = vi.fn(engine);
    const choice = await chooseProvider({ TEST_DATABASE_URL: 'postgres://x/y' }, probe);
    expect(choice).toMatchObject({ provider: 'url', forced: false });
    expect(probe).not.toHaveBeenCalled();
  });

  it('picks docker when an engine answers, and says how to skip it', async () => {
    const choice = await chooseProvider({}, engine);
    expect(choice).toMatchObject({ provider: 'docker', forced: false });
    expect(choice.reason).toContain('TEST_DATABASE_PROVIDER=local');
  });

  it('falls back to the local cluster when no engine answers, with the reason', async () => {
    expect(await chooseProvider({}, noEngine)).toEqual({
      provider: 'local',
      forced: false,
      reason: 'no Docker engine (no socket)',
    });
  });

  it('TEST_DATABASE_PROVIDER=local skips Docker even when it runs', async () => {
    const probe = vi.fn(engine);
    expect(await chooseProvider({ TEST_DATABASE_PROVIDER: 'local' }, probe)).toMatchObject({
      provider: 'local',
      forced: true,
    });
    expect(probe).not.toHaveBeenCalled();
  });

  it('TEST_DATABASE_PROVIDER=docker wins over TEST_DATABASE_URL and fails when there is no engine', async () => {
    const env = { TEST_DATABASE_PROVIDER: 'docker', TEST_DATABASE_URL: 'postgres://x/y' };
    expect(await chooseProvider(env, engine)).toMatchObject({ provider: 'docker', forced: true });
    await expect(chooseProvider(env, noEngine)).rejects.toThrow(
      'TEST_DATABASE_PROVIDER=docker, but no Docker engine answers: no socket',
    );
  });

  it('rejects a forced provider it cannot honour, naming the fix', async () => {
    await expect(chooseProvider({ TEST_DATABASE_PROVIDER: 'url' }, engine)).rejects.toThrow(
      'TEST_DATABASE_PROVIDER=url needs TEST_DATABASE_URL',
    );
    await expect(chooseProvider({ TEST_DATABASE_PROVIDER: 'podman' }, engine)).rejects.toThrow(
      'TEST_DATABASE_PROVIDER must be one of url, docker, local (got "podman")',
    );
  });
});

describe('probeDocker', () => {
  const saved = process.env.DOCKER_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('gives up on a Docker socket that accepts connections but never answers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hung-docker-'));
    const socketPath = path.join(dir, 'docker.sock');
    const connections = new Set<net.Socket>();
    const server = net.createServer((socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    process.env.DOCKER_HOST = `unix://${socketPath}`;
    try {
      expect(await probeDocker(500)).toEqual({ ok: false, reason: 'no answer from Docker within 500 ms' });
      expect(connections.size).toBeGreaterThan(0);
    } finally {
      for (const socket of connections) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
