// Item: SIGTERM while purges are in flight: they finish, new requests are refused, then the pool, then the cluster.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type Service, startService } from '../helpers/service.ts';

const GHOSTS = 300;

let dir: string | undefined;
let service: Service | undefined;
afterAll(async () => {
  service?.kill('SIGTERM'); // not SIGKILL: the service must stop its cluster
  await service?.exited;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes in-flight purges, refuses new requests, closes the pool, stops the cluster last, exits 0', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'session-sweeper-shutdown-'));
    service = await startService({ DATA_DIR: dir });
    const psqlLine = service.logs.find((line) => line.msg.includes('inspect it with: psql'))!;
    const databaseUrl = /postgres:\/\/\S+/.exec(psqlLine.msg)![0];

    // Two connections: pg_stat_activity is read once per transaction, so the one holding the lock cannot watch.
    const [db, watcher] = [new pg.Client(databaseUrl), new pg.Client(databaseUrl)];
    for (const client of [db, watcher]) {
      client.on('error', () => {}); // the cluster stops at the end of the test
      await client.connect();
    }
    await db.query(`insert into engine_chat_sessions (agent_id) select 'ghost' from generate_series(1, $1)`, [GHOSTS]);
    // Hold the table so that the purges are still running when SIGTERM arrives.
    await db.query('begin');
    await db.query('lock table engine_chat_sessions in exclusive mode');
    const purges = Array.from({ length: 3 }, () =>
      fetch(`${service!.baseUrl}/api/engine/sessions/ghosts?older_than_minutes=0`, { method: 'DELETE' }),
    );
    for (const deadline = Date.now() + 10_000; ; ) {
      if (Date.now() > deadline) throw new Error('the purges never waited for the table lock');
      const { rows } = await watcher.query(
        `select count(*)::int as n from pg_stat_activity where application_name = 'session-sweeper' and wait_event_type = 'Lock'`,
      );
      if (rows[0].n === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    service.kill('SIGTERM');
    await service.waitForLog((line) => line.msg.startsWith('SIGTERM'));
    const late = await fetch(`${service.baseUrl}/readyz`).then(
      (response) => `status ${response.status}`,
      () => 'connection refused',
    );
    expect(['connection refused', 'status 503']).toContain(late);

    await db.query('commit');
    await Promise.all([db.end(), watcher.end()]);
    const responses = await Promise.all(purges);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    const deleted = (await Promise.all(responses.map((r) => r.json()))).map((body) => body.deleted);
    expect(deleted.reduce((a, b) => a + b, 0)).toBe(GHOSTS);

    expect(await service.exited).toBe(0);
    const order = service.logs.map((line) => line.msg);
    const at = (message: string) => order.indexOf(message);
    expect(at('HTTP server closed')).toBeGreaterThan(0);
    expect(at('database pool closed')).toBeGreaterThan(at('HTTP server closed'));
    expect(at('embedded PostgreSQL stopped')).toBeGreaterThan(at('database pool closed'));
    expect(at('stopped')).toBeGreaterThan(at('embedded PostgreSQL stopped'));
    expect(existsSync(path.join(dir, 'postgres', 'postmaster.pid'))).toBe(false);
    service = undefined;
  }, 60_000);
});
