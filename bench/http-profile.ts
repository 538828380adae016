// `node --import tsx bench/http-profile.ts [--sessions N] [--runs N] [--seconds N] [--cpu-prof]`: the bench's
// `http_over_sql_noop` measurement alone, in a throwaway PostgreSQL, in about a minute. With --cpu-prof the service
// writes a V8 CPU profile per run to bench/results/profiles/ (open it in Chrome DevTools or speedscope).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.ts';
import { buildSessions, installOnAriaTables } from './data.ts';
import { noopPurgeRuns } from './load.ts';

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
const db = new pg.Client({ connectionString: cluster.url });
try {
  await db.connect();
  await installOnAriaTables(db, cluster.url, () => {});
  await buildSessions(db, Number(args.sessions));
  if (args['cpu-prof']) {
    // Read by the service that httpPurgeRequestsPerSecond spawns, not by this process.
    const profiles = fileURLToPath(new URL('./results/profiles/', import.meta.url));
    process.env.NODE_OPTIONS = `--import tsx --import ${fileURLToPath(new URL('./cpu-profile.ts', import.meta.url))}`;
    process.env.CPU_PROFILE_DIR = profiles;
    log(`profiles go to ${profiles}`);
  }

  const runs = await noopPurgeRuns(cluster.url, CONNECTIONS, seconds, Number(args.runs));
  const rows = runs.map((r, i) => ({
    run: i + 1,
    http_rps: Math.round(r.http_rps),
    sql_calls_per_s: Math.round(r.sql_calls_per_s),
    ratio: Number(r.ratio.toFixed(3)),
  }));
  console.table(rows);
} finally {
  await db.end().catch(() => {});
  await cluster.stop();
  await rm(dir, { recursive: true, force: true });
}
