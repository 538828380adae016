// Concurrent load for the bench: application writers at a fixed rate, and the no-op purge over HTTP vs SQL.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type pg from 'pg';
import pino from 'pino';
import { createPool } from '../src/db/pool.ts';
import type { Store } from '../src/db/store.ts';
import { findFreePort } from '../src/dev/embedded-postgres.ts';
import { GHOST_MINUTES } from './data.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the application does most: create a session, then post its first message. Started at a fixed rate
 * (open loop, like real users) until `until` settles; returns the latency of every call in ms.
 */
export async function runWriters(store: Store, pairsPerSecond: number, until: Promise<unknown>) {
  const latencies: number[] = [];
  // A call that fails (e.g. no pool connection in time) counts with the time it took, and the pair stops there.
  const timed = async <T>(fn: () => Promise<T>) => {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      latencies.push(performance.now() - start);
    }
  };
  let failed = 0;
  const pair = async () => {
    try {
      const session = await timed(() => store.createSession({ agent_id: 'writer', title: 'bench' }));
      const message = await timed(() => store.addMessage(session.id, { role: 'user', content: 'first message' }));
      if (!message) throw new Error(`writer lost the first message of ${session.id}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('writer lost')) throw error;
      failed++;
    }
  };

  let running = true;
  const stopped = until.finally(() => (running = false));
  // Awaited below, after the loop: until then a failure must not count as unhandled (it would end the process and
  // leave the bench's cluster running).
  stopped.catch(() => {});
  const inFlight: Promise<void>[] = [];
  const interval = 1000 / pairsPerSecond;
  for (let next = performance.now(); running; next += interval) {
    inFlight.push(pair());
    await sleep(Math.max(0, next + interval - performance.now()));
  }
  await Promise.all([stopped, ...inFlight]);
  return Object.assign(latencies, { failed });
}

/** Calls/s of `sql` on `pool` from `concurrency` loops for `seconds`. */
async function sqlCallsPerSecond(pool: pg.Pool, sql: string, concurrency: number, seconds: number) {
  let calls = 0;
  const end = performance.now() + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      await pool.query(sql);
      calls++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return calls / ((performance.now() - start) / 1000);
}

const repoRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * Starts the real service (`npm start`'s entry point) on `databaseUrl`, bound to loopback, and measures the
 * requests/s it answers to `DELETE /api/engine/sessions/ghosts` with `connections` keep-alive clients.
 */
async function httpPurgeRequestsPerSecond(databaseUrl: string, connections: number, seconds: number) {
  const port = await findFreePort();
  const service = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise((resolve) => service.once('exit', resolve));
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (tries > 150 || service.exitCode !== null) throw new Error('the service did not become ready');
      await sleep(200);
    }
    const result = await autocannon({
      url: `${base}/api/engine/sessions/ghosts`,
      method: 'DELETE',
      connections,
      duration: seconds,
    });
    if (result.non2xx || result.errors || result.timeouts) {
      throw new Error(
        `HTTP purge failed: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
      );
    }
    return result['2xx'] / result.duration;
  } finally {
    service.kill('SIGTERM');
    await exited;
  }
}

/**
 * The no-op ghost purge with `connections` concurrent clients for `seconds` each: requests/s answered by the real
 * service over HTTP, then calls/s of the same purge function over SQL on the service's own pool.
 */
export async function noopPurgeRates(databaseUrl: string, connections: number, seconds: number) {
  const httpRps = await httpPurgeRequestsPerSecond(databaseUrl, connections, seconds);
  const pool = createPool(databaseUrl, pino({ level: 'warn' }));
  try {
    await pool.query('select 1');
    const sqlRate = await sqlCallsPerSecond(
      pool,
      `select session_sweeper.delete_ghost_sessions(${GHOST_MINUTES})`,
      connections,
      seconds,
    );
    return { http_rps: httpRps, sql_calls_per_s: sqlRate, ratio: httpRps / sqlRate };
  } finally {
    await pool.end();
  }
}

/** `runs` measurements of noopPurgeRates, each pair taken back to back so that both see the same machine. */
export async function noopPurgeRuns(databaseUrl: string, connections: number, seconds: number, runs: number) {
  const results = [];
  for (let run = 0; run < runs; run++) results.push(await noopPurgeRates(databaseUrl, connections, seconds));
  return results;
}
