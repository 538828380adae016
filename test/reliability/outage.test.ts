// Item: the database goes away under load and comes back; the service (a real process) rides it out.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/dev/embedded-postgres.ts';
import { type Service, startService } from '../helpers/service.ts';

type Outcome = { path: string; status: number; body: string; retryAfter: string | null; startedAt: number; ms: number };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const noLog = () => {};

let dir: string | undefined;
let cluster: EmbeddedPostgres | undefined;
let service: Service | undefined;
afterAll(async () => {
  service?.kill('SIGKILL');
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('database outage', () => {
  it('answers 503 JSON quickly while PostgreSQL is down and 200 again once it is back, without a restart', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-outage-'));
    cluster = await startEmbeddedPostgres({ dir, database: 'outage', log: noLog });
    const port = Number(new URL(cluster.url).port);
    service = await startService({ DATABASE_URL: cluster.url });
    const { baseUrl } = service;

    const outcomes: Outcome[] = [];
    const call = async (path: string, init?: RequestInit) => {
      const startedAt = Date.now();
      const response = await fetch(baseUrl + path, init);
      const outcome = {
        path,
        status: response.status,
        body: await response.text(),
        retryAfter: response.headers.get('retry-after'),
        startedAt,
        ms: Date.now() - startedAt,
      };
      outcomes.push(outcome);
      return outcome;
    };
    const createSession = () =>
      call('/api/engine/sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ agent_id: 'outage' }),
      });

    let loading = true;
    const worker = async (step: () => Promise<unknown>) => {
      while (loading) {
        await step();
        await sleep(5);
      }
    };
    const load = Promise.all([
      ...Array.from({ length: 6 }, () => worker(createSession)),
      worker(() => call('/api/engine/sessions/ghosts?older_than_minutes=60', { method: 'DELETE' })),
      worker(() => call('/readyz')),
    ]);

    // Load first: 30 answers (however slow this machine is right now, within 15 s), of which the check wants 21.
    for (const start = Date.now(); outcomes.length < 30 && Date.now() - start < 15_000; ) await sleep(20);
    const stopping = Date.now();
    await cluster.stop();
    const down = Date.now();
    await sleep(3000);
    const restarting = Date.now();
    cluster = await startEmbeddedPostgres({ dir, database: 'outage', log: noLog, port });
    const up = Date.now();
    let recoveredAt: number | undefined;
    while (!recoveredAt && Date.now() - up < 10_000) {
      if ((await createSession()).status === 201) recoveredAt = Date.now();
      await sleep(50);
    }
    loading = false;
    await load;

    const before = outcomes.filter((o) => o.startedAt + o.ms < stopping);
    const during = outcomes.filter((o) => o.startedAt >= down && o.startedAt + o.ms < restarting);
    const after = outcomes.filter((o) => recoveredAt && o.startedAt >= recoveredAt);
    const slowest = Math.max(...during.map((o) => o.ms));
    console.log(
      `[outage] ${before.length} requests before, ${during.length} during the outage (slowest answer ${slowest} ms), ` +
        `PostgreSQL back after ${up - restarting} ms, service answering 201 again ${recoveredAt! - up} ms later`,
    );

    expect(before.length).toBeGreaterThan(20);
    expect(before.filter((o) => o.status >= 300)).toEqual([]);
    // Nothing but success or 503 at any time, including the moments the server was stopping and starting.
    expect(outcomes.filter((o) => o.status >= 300 && o.status !== 503)).toEqual([]);

    expect(during.length).toBeGreaterThan(20);
    for (const outcome of during) {
      expect(outcome.status).toBe(503);
      expect(JSON.parse(outcome.body)).toMatchObject({ status: 'error', error: expect.stringContaining('database') });
      expect(outcome.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|postgres:/);
    }
    expect(during.some((o) => o.path === '/readyz')).toBe(true);
    expect(during.filter((o) => o.path.startsWith('/api')).every((o) => o.retryAfter === '1')).toBe(true);
    // The targets: 503 within 1 s (the pool's connect timeout is 800 ms), back within 5 s.
    expect(slowest).toBeLessThan(1000);
    expect(recoveredAt! - up).toBeLessThan(5000);
    expect(after.filter((o) => o.status >= 300)).toEqual([]);
    expect((await call('/readyz')).status).toBe(200);

    // Still the same process, and the outage did not write a line per failed request.
    const warnings = service.logs.filter((line) => line.level >= 40);
    expect(warnings.length).toBeLessThanOrEqual(4);
    expect(warnings.length).toBeLessThan(during.length / 10);
    service.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    service = undefined;
  }, 60_000);
});
