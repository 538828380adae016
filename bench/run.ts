// `npm run bench [-- --quick]`: the ghost purge at scale, in a throwaway PostgreSQL, as ratios taken in one run.
// Writes bench/results/latest.json and bench/results/latest.svg and prints a table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { createPool } from '../src/db/pool.ts';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.ts';
import { migrate } from '../src/schema/migrate.ts';
import { createStore } from '../src/db/store.ts';
import { addGhosts, buildSessions, GHOST_MINUTES, NAIVE_DELETE, OUR_INDEXES, settle, SINGLE_DELETE } from './data.ts';
import { httpPurgeRequestsPerSecond, runWriters, sqlCallsPerSecond } from './load.ts';
import { renderPlot } from './plot.ts';
import { median, medianMs, percentile, timeMs } from './stats.ts';

/** The service's pool logs only warnings here: the bench prints its own progress. */
const quietLogger = pino({ level: 'warn' });

const quick = process.argv.includes('--quick');
const FULL = {
  noopSizes: [10_000, 100_000, 1_000_000, 2_000_000],
  large: 1_000_000, // the table of ratios 2, 3, 5 and 6
  removal: { ghosts: 100_000, reps: 3 },
  independence: { ghosts: 10_000, sizes: [100_000, 2_000_000], reps: 5 },
  backlog: { ghosts: 200_000, reps: 3, pairsPerSecond: 100, idleSeconds: 6 },
  http: { connections: 10, seconds: 10 },
  noopReps: 200,
  naiveReps: 7,
};
const QUICK: typeof FULL = {
  noopSizes: [10_000, 100_000, 500_000],
  large: 500_000,
  removal: { ghosts: 50_000, reps: 3 },
  independence: { ghosts: 5_000, sizes: [10_000, 500_000], reps: 3 },
  backlog: { ghosts: 100_000, reps: 2, pairsPerSecond: 100, idleSeconds: 4 },
  http: { connections: 10, seconds: 5 },
  noopReps: 100,
  naiveReps: 5,
};
const config = quick ? QUICK : FULL;
const small = config.noopSizes[0];

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
const k = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);

type Ratio = { value: number; target: string; met: boolean; what: string };
const ratio = (value: number, target: string, what: string): Ratio => {
  const [op, bound] = [target.slice(0, 2), Number(target.slice(2).trim())];
  return { value, target, met: op === '<=' ? value <= bound : value >= bound, what };
};

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'session-sweeper-bench-'));
  log(`${quick ? 'quick' : 'full'} run; throwaway cluster in ${dir}`);
  const cluster = await startEmbeddedPostgres({ dir, database: 'sweeper_bench', log });
  const db = new pg.Client({ connectionString: cluster.url });
  try {
    await migrate({ databaseUrl: cluster.url, direction: 'up', log });
    await db.connect();
    // The bench runs the purge itself, at chosen moments; the scheduled jobs must not interfere.
    await db.query('select cron.alter_job(jobid, active => false) from cron.job');
    const results = await measure(db, cluster.url);
    await writeFile(path.join(resultsDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(path.join(resultsDir, 'latest.svg'), renderPlot(results));
    printReport(results);
    log(`wrote ${path.join(resultsDir, 'latest.json')} and latest.svg`);
  } finally {
    await db.end().catch(() => {});
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export type BenchResults = Awaited<ReturnType<typeof measure>>;

async function measure(db: pg.Client, databaseUrl: string) {
  const { rows: job } = await db.query(`select command from cron.job where jobname = 'session_sweeper.ghost-sessions-purge'`);
  const cronCommand: string = job[0].command;
  // Runs the purge exactly as the cron job does, and checks it deleted what it should.
  const cronPurge = async (expected: number) => {
    const { rows } = await db.query(cronCommand);
    const deleted = rows[0].deleted ?? rows[0].delete_ghost_sessions;
    if (deleted !== expected) throw new Error(`${cronCommand} deleted ${deleted}, expected ${expected}`);
  };
  const expectDeleted = async (sql: string, expected: number, params: unknown[] = []) => {
    const { rowCount } = await db.query(sql, params);
    if (rowCount !== expected) throw new Error(`${sql} deleted ${rowCount}, expected ${expected}`);
  };

  const noop: { sessions: number; ours_ms: number; function_ms: number; naive_ms: number }[] = [];
  const removal: Record<string, number[]> = { ours: [], single_delete: [], delete_any_ids: [] };
  const independence: { sessions: number; ghosts: number; ours_ms: number[] }[] = [];
  const plans: Record<string, string> = {};
  let writers: ReturnType<typeof summariseWriters> | undefined;
  let http: { http_rps: number; sql_calls_per_s: number } | undefined;

  for (const size of config.noopSizes) {
    log(`building ${k(size)} sessions`);
    const built = await timeMs(() => buildSessions(db, size));
    log(`built in ${(built / 1000).toFixed(1)} s; no-op purges`);
    await cronPurge(0);
    const point = {
      sessions: size,
      ours_ms: await medianMs(config.noopReps, () => cronPurge(0)),
      function_ms: await medianMs(config.noopReps, () => db.query(`select session_sweeper.delete_ghost_sessions(${GHOST_MINUTES})`)),
      naive_ms: await withoutOurIndexes(db, () =>
        medianMs(config.naiveReps, () => expectDeleted(NAIVE_DELETE, 0)),
      ),
    };
    noop.push(point);
    log(`no-op at ${k(size)}: ours ${point.ours_ms.toFixed(3)} ms, naive ${point.naive_ms.toFixed(1)} ms`);

    if (size === config.large) {
      plans.ours_noop = await nestedPlans(db, cronCommand);
      plans.naive_noop = await withoutOurIndexes(db, () => explain(db, `explain (analyze, buffers) ${NAIVE_DELETE}`));
      plans.prune_dry_run = await nestedPlans(db, 'select session_sweeper.prune_old_sessions(30, true)');

      const { ghosts, reps } = config.removal;
      for (let rep = 0; rep < reps; rep++) {
        log(`removing ${k(ghosts)} ghosts among ${k(size)}: round ${rep + 1}/${reps}`);
        await addGhosts(db, ghosts);
        if (rep === 0) {
          plans.ours_batch_with_backlog = await rolledBack(db, () =>
            nestedPlans(db, `select session_sweeper.delete_ghost_sessions_batch(now() - interval '${GHOST_MINUTES} minutes', 3)`),
          );
          plans.single_delete = await explain(db, `explain ${SINGLE_DELETE}`);
        }
        removal.ours.push(await timeMs(() => cronPurge(ghosts)));
        await addGhosts(db, ghosts);
        removal.single_delete.push(await timeMs(() => expectDeleted(SINGLE_DELETE, ghosts)));
        await addGhosts(db, ghosts);
        const { rows } = await db.query(
          `select array_agg(id) as ids from engine_chat_sessions where message_count = 0 and updated_at < now() - interval '${GHOST_MINUTES} minutes'`,
        );
        removal.delete_any_ids.push(
          await timeMs(() => expectDeleted('delete from engine_chat_sessions where id = any($1::uuid[])', ghosts, [rows[0].ids])),
        );
      }
      await settle(db);
      writers = await measureWriters(db, databaseUrl, cronPurge);
      http = await measureHttp(databaseUrl);
    }

    if (config.independence.sizes.includes(size)) {
      const { ghosts, reps } = config.independence;
      const times: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        await addGhosts(db, ghosts);
        times.push(await timeMs(() => cronPurge(ghosts)));
      }
      await settle(db);
      independence.push({ sessions: size, ghosts, ours_ms: times });
      log(`removing ${k(ghosts)} ghosts among ${k(size)}: median ${median(times).toFixed(0)} ms`);
    }
  }

  const at = (sessions: number) => noop.find((p) => p.sessions === sessions)!;
  const [indepSmall, indepLarge] = config.independence.sizes.map((s) => independence.find((i) => i.sessions === s)!);
  const ratios = {
    noop_1m_over_10k: ratio(
      at(config.large).ours_ms / at(small).ours_ms,
      '<= 2',
      `no-op purge (cron command) at ${k(config.large)} sessions over at ${k(small)}`,
    ),
    naive_over_ours_noop_1m: ratio(
      at(config.large).naive_ms / at(config.large).ours_ms,
      '>= 100',
      `no-op: naive DELETE without our indexes over the cron command, at ${k(config.large)} sessions`,
    ),
    ours_over_single_delete: ratio(
      median(removal.ours) / median(removal.single_delete),
      '<= 1.5',
      `removing ${k(config.removal.ghosts)} ghosts among ${k(config.large)}: cron command (batches, commits) over one indexed DELETE`,
    ),
    size_independence: ratio(
      median(indepLarge.ours_ms) / median(indepSmall.ours_ms),
      '<= 1.5',
      `removing ${k(config.independence.ghosts)} ghosts among ${k(indepLarge.sessions)} over among ${k(indepSmall.sessions)}`,
    ),
    writer_p99_during_purge_over_idle: ratio(
      writers!.p99_during_purge_ms / writers!.p99_idle_ms,
      '<= 2',
      `p99 of session creates + first messages (${config.backlog.pairsPerSecond} pairs/s) while a ${k(config.backlog.ghosts)}-ghost backlog is purged, over idle`,
    ),
    http_over_sql_noop: ratio(
      http!.http_rps / http!.sql_calls_per_s,
      '>= 0.5',
      `no-op purge: HTTP requests/s over SQL calls/s, ${config.http.connections} concurrent, ${config.http.seconds} s each`,
    ),
  };

  const { rows: server } = await db.query(`select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers`);
  return {
    mode: quick ? 'quick' : 'full',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), postgres: server[0] },
    config: { ...config, cron_command: cronCommand },
    ratios,
    noop,
    removal: Object.fromEntries(Object.entries(removal).map(([name, times]) => [name, { median_ms: median(times), runs_ms: times }])),
    independence: independence.map((i) => ({ ...i, median_ms: median(i.ours_ms) })),
    writers: writers!,
    http: http!,
    plans,
  };
}

/** Runs fn in a transaction where our indexes do not exist (the original plan's schema), then restores them. */
async function withoutOurIndexes<T>(db: pg.Client, fn: () => Promise<T>): Promise<T> {
  await db.query('begin');
  try {
    for (const index of OUR_INDEXES) await db.query(`drop index ${index}`);
    return await fn();
  } finally {
    await db.query('rollback');
  }
}

async function rolledBack<T>(db: pg.Client, fn: () => Promise<T>): Promise<T> {
  await db.query('begin');
  try {
    return await fn();
  } finally {
    await db.query('rollback');
  }
}

async function explain(db: pg.Client, sql: string) {
  const { rows } = await db.query(sql);
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/** The executed plans of the statements inside functions and procedures that `sql` runs (auto_explain). */
async function nestedPlans(db: pg.Client, sql: string): Promise<string> {
  const plans: string[] = [];
  const onNotice = (notice: { message?: string }) => {
    if (notice.message?.includes('plan:')) plans.push(notice.message);
  };
  await db.query(`load 'auto_explain'`);
  await db.query(`set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on;
    set auto_explain.log_analyze = on; set auto_explain.log_buffers = on; set client_min_messages = log`);
  db.on('notice', onNotice);
  try {
    await db.query(sql);
  } finally {
    db.off('notice', onNotice);
    await db.query('reset auto_explain.log_min_duration; reset client_min_messages');
  }
  return plans.join('\n\n');
}

async function measureWriters(db: pg.Client, databaseUrl: string, cronPurge: (expected: number) => Promise<void>) {
  const { ghosts, reps, pairsPerSecond, idleSeconds } = config.backlog;
  const pool = createPool(databaseUrl, quietLogger);
  const store = createStore(pool);
  const idle: number[][] = [];
  const during: number[][] = [];
  const purgeMs: number[] = [];
  try {
    await runWriters(store, pairsPerSecond, new Promise((resolve) => setTimeout(resolve, 1000))); // warm the pool
    for (let rep = 0; rep < reps; rep++) {
      log(`writers at ${pairsPerSecond} pairs/s: idle, then during a ${k(ghosts)}-ghost purge (round ${rep + 1}/${reps})`);
      idle.push(await runWriters(store, pairsPerSecond, new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000))));
      await addGhosts(db, ghosts);
      let purge = 0;
      during.push(await runWriters(store, pairsPerSecond, timeMs(() => cronPurge(ghosts)).then((ms) => (purge = ms))));
      purgeMs.push(purge);
    }
  } finally {
    await pool.end();
  }
  await settle(db);
  return summariseWriters(idle, during, purgeMs);
}

function summariseWriters(idle: number[][], during: number[][], purgeMs: number[]) {
  const p99s = (runs: number[][]) => runs.map((latencies) => percentile(latencies, 99));
  return {
    p99_idle_ms: median(p99s(idle)),
    p99_during_purge_ms: median(p99s(during)),
    p50_idle_ms: median(idle.map((l) => median(l))),
    p50_during_purge_ms: median(during.map((l) => median(l))),
    calls_idle: idle.map((l) => l.length),
    calls_during_purge: during.map((l) => l.length),
    purge_ms: purgeMs,
  };
}

async function measureHttp(databaseUrl: string) {
  const { connections, seconds } = config.http;
  log(`no-op purge over HTTP, then over SQL: ${connections} concurrent, ${seconds} s each`);
  const httpRps = await httpPurgeRequestsPerSecond(databaseUrl, connections, seconds);
  const pool = createPool(databaseUrl, quietLogger);
  try {
    await pool.query('select 1');
    const sqlRate = await sqlCallsPerSecond(pool, `select session_sweeper.delete_ghost_sessions(${GHOST_MINUTES})`, connections, seconds);
    return { http_rps: httpRps, sql_calls_per_s: sqlRate };
  } finally {
    await pool.end();
  }
}

function printReport(results: BenchResults) {
  const rows = Object.entries(results.ratios).map(([name, r]) => ({
    ratio: name,
    value: Number(r.value.toFixed(r.value >= 100 ? 0 : 2)),
    target: r.target,
    met: r.met ? 'yes' : 'NO',
    what: r.what,
  }));
  console.log(`\nsession-sweeper bench (${results.mode}), ${results.machine.cpus} CPUs, PostgreSQL ${results.machine.postgres.version}`);
  console.table(rows);
  console.table(results.noop.map((p) => ({ sessions: p.sessions, 'ours (cron) ms': p.ours_ms, 'function ms': p.function_ms, 'naive ms': p.naive_ms })));
  console.table(Object.entries(results.removal).map(([name, r]) => ({ method: name, 'median ms': r.median_ms, runs: r.runs_ms.map((t) => Math.round(t)).join(', ') })));
  console.log('writers:', results.writers, '\nhttp:', results.http);
  for (const [name, plan] of Object.entries(results.plans)) console.log(`\n--- plan: ${name}\n${plan}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
