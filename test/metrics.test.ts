import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/http/app.ts';
import { createPool } from '../src/db/pool.ts';
import { createStore } from '../src/db/store.ts';
import { databaseUrl, insertSession, useApp, useDatabase } from './helpers/db.ts';
import { parsePrometheus } from './helpers/prometheus.ts';

const db = useDatabase();
const app = useApp();

const scrape = async (target = app) => {
  const response = await target.request('/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
};

describe('GET /metrics', () => {
  it('counts purges and deleted rows by kind and source from the audit, monotonically across scrapes', async () => {
    const before = await scrape();
    const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;
    const ghostsByHttp = 'session_sweeper_purged_rows_total{kind="ghost",source="session-sweeper"}';
    const ghostsByPsql = 'session_sweeper_purged_rows_total{kind="ghost",source="psql"}';
    const dryPrunes = 'session_sweeper_purges_total{kind="prune",source="psql",dry_run="true"}';

    for (let i = 0; i < 4; i++) await insertSession(db, { idleMinutes: 30 });
    await app.request('/api/engine/sessions/ghosts?older_than_minutes=20', { method: 'DELETE' });
    const psql = new pg.Client({ connectionString: databaseUrl(), application_name: 'psql' });
    await psql.connect();
    await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 30 });
    await psql.query('select session_sweeper.delete_ghost_sessions(15)');
    await psql.query('select session_sweeper.prune_old_sessions(30, true)');
    const first = await scrape();
    expect(value(first, ghostsByHttp) - value(before, ghostsByHttp)).toBe(4);
    expect(value(first, ghostsByPsql) - value(before, ghostsByPsql)).toBe(2);
    expect(value(first, dryPrunes) - value(before, dryPrunes)).toBe(1);

    // Trimming the audit must not make counters go down; new rows still add up.
    await db.query('truncate session_sweeper.session_purge_log');
    await insertSession(db, { idleMinutes: 30 });
    await psql.query('select session_sweeper.delete_ghost_sessions(15)');
    await psql.end();
    const second = await scrape();
    expect(value(second, ghostsByHttp)).toBe(value(first, ghostsByHttp));
    expect(value(second, ghostsByPsql)).toBe(value(first, ghostsByPsql) + 1);
  });

  it('reports ghosts pending, the oldest ghost, the purge lag and the cron jobs', async () => {
    await insertSession(db, { idleMinutes: 45 });
    await insertSession(db, { idleMinutes: 20 });
    await insertSession(db, { idleMinutes: 5 });
    await insertSession(db, { idleMinutes: 90, messages: 1 });
    const samples = await scrape();
    expect(samples.get('session_sweeper_ghosts_pending')).toBe(2);
    expect(samples.get('session_sweeper_oldest_ghost_age_seconds')).toBeCloseTo(45 * 60, -1);
    expect(samples.get('session_sweeper_purge_lag_seconds')).toBeCloseTo(30 * 60, -1);
    expect(samples.get('session_sweeper_database_up')).toBe(1);
    // The test run pauses our jobs (global setup).
    expect(samples.get('session_sweeper_cron_job_active{job="session_sweeper.ghost-sessions-purge"}')).toBe(0);
  });

  it('counts HTTP requests by route pattern and status, never by raw path', async () => {
    const id = await insertSession(db);
    await app.request(`/api/engine/sessions/${id}`);
    await app.request('/api/engine/sessions/00000000-0000-4000-8000-000000000000');
    await app.request('/no/such/route');
    const samples = await scrape();
    expect(samples.get('http_requests_total{method="GET",route="/api/engine/sessions/:id",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('http_requests_total{method="GET",route="/api/engine/sessions/:id",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('http_requests_total{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(samples.get('http_request_duration_seconds_count{method="GET",route="/api/engine/sessions/:id",status="200"}')).toBeGreaterThanOrEqual(1);
    expect([...samples.keys()].some((key) => key.includes(id))).toBe(false);
  });

  it('still answers with the database down, says so, and logs the outage once, not per request', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const pool = createPool('postgres://postgres@127.0.0.1:1/nowhere', logger);
    const down = createApp({ store: createStore(pool), logger });
    try {
      for (let i = 0; i < 3; i++) {
        const samples = await scrape(down);
        expect(samples.get('session_sweeper_database_up')).toBe(0);
        expect(samples.get('session_sweeper_ghosts_pending')).toBeNaN();
        expect(samples.has('session_sweeper_cron_job_active{job="session_sweeper.ghost-sessions-purge"}')).toBe(false);
        expect((await down.request('/api/engine/sessions/ghosts', { method: 'DELETE' })).status).toBe(503);
      }
    } finally {
      await pool.end();
    }
    expect(lines.filter((line) => line.level === 40)).toHaveLength(1);
    expect(lines.filter((line) => line.msg === 'request')).toHaveLength(6);
  });
});

describe('logs', () => {
  it('writes one JSON line per request with its request id, and one per manual purge with count and duration', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const pool = createPool(databaseUrl(), logger);
    const logged = createApp({ store: createStore(pool), logger });
    try {
      await insertSession(db, { idleMinutes: 20 });
      const response = await logged.request('/api/engine/sessions/ghosts', { method: 'DELETE' });
      const requestId = response.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      expect(lines).toEqual([
        {
          level: 30, time: expect.any(Number), pid: expect.any(Number), hostname: expect.any(String),
          request_id: requestId, deleted: 1, older_than_minutes: 15, duration_ms: expect.any(Number), msg: 'manual ghost purge',
        },
        {
          level: 30, time: expect.any(Number), pid: expect.any(Number), hostname: expect.any(String),
          request_id: requestId, method: 'DELETE', path: '/api/engine/sessions/ghosts', route: '/api/engine/sessions/ghosts',
          status: 200, duration_ms: expect.any(Number), msg: 'request',
        },
      ]);
    } finally {
      await pool.end();
    }
  });
});
