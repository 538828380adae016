// `node --import tsx bench/http-profile.ts [--sessions N] [--runs N] [--seconds N] [--cpu-prof]`: the bench's
// `http_over_sql_noop` measurement alone, in a throwaway PostgreSQL, in about a minute. With --cpu-prof the service
// writes a V8 CPU profile per run to bench/results/profiles/ (open it in Chrome DevTools or speedscope).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { createPool } from '../src/db/pool.ts';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.ts';
import { migrate } from '../src/schema/migrate.ts';
import { buildSessions, GHOST_MINUTES } from './data.ts';
import { httpPurgeRequestsPerSecond, sqlCallsPerSecond } from './load.ts';

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '5' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = 10;
const seconds = Number(args.seconds);
const log = (message: string) => console.error(`[http-profile] ${message}`);

const dir = await mkdtemp(path.join(os.tmpdir(), 'session-sweeper-http-profile-'));
const cluster = await startEmbeddedPostgres({ dir, database: 'sweeper_bench', log });
try {
  await migrate({ databaseUrl: cluster.url, direction: 'up', log: () => {} });
  const db = new pg.Client({ connectionString: cluster.url });
  await db.connect();
  await db.query('select cron.alter_job(jobid, active => false) from cron.job');
  await buildSessions(db, Number(args.sessions));
  await db.end();
  if (args['cpu-prof']) {
    // Read by the service that httpPurgeRequestsPerSecond spawns, not by this process.
    const profiles = fileURLToPath(new URL('./results/profiles/', import.meta.url));
    process.env.NODE_OPTIONS = `--import tsx --import ${fileURLToPath(new URL('./cpu-profile.ts', import.meta.url))}`;
    process.env.CPU_PROFILE_DIR = profiles;
    log(`profiles go to ${profiles}`);
  }

  const pool = createPool(cluster.url, pino({ level: 'warn' }));
  const rows = [];
  for (let run = 1; run <= Number(args.runs); run++) {
    const httpRps = await httpPurgeRequestsPerSecond(cluster.url, CONNECTIONS, seconds);
    const sqlRate = await sqlCallsPerSecond(
      pool,
      `select session_sweeper.delete_ghost_sessions(${GHOST_MINUTES})`,
      CONNECTIONS,
      seconds,
    );
    rows.push({
      run,
      http_rps: Math.round(httpRps),
      sql_calls_per_s: Math.round(sqlRate),
      ratio: Number((httpRps / sqlRate).toFixed(3)),
    });
  }
  await pool.end();
  console.table(rows);
} finally {
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
}
