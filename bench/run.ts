// `npm run bench [-- --quick]`: the ghost purge and the archiving prune on Aria-shaped data (bench/data.ts), in a
// throwaway PostgreSQL, as ratios taken in one run.
// Writes bench/results/latest.json and bench/results/latest.svg and prints a table.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { createPool } from '../src/db/pool.ts';
import { createStore } from '../src/db/store.ts';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.ts';
import { ariaPrune, createPurgeWithoutCheck, defaultArgument, PURGE_WITHOUT_CHECK } from './baselines.ts';
import {
  addGhosts,
  addStaleConversations,
  buildSessions,
  GHOST_COUNT,
  GHOST_IDS,
  GHOST_MINUTES,
  installOnAriaTables,
  NAIVE_DELETE,
  OUR_INDEXES,
  SINGLE_DELETE,
  settle,
  TABLES,
} from './data.ts';
import { noopPurgeRuns, runWriters } from './load.ts';
import { renderPlot } from './plot.ts';
import { median, medianMs, percentile, timeMs } from './stats.ts';

/** The service's pool logs only warnings here: the bench prints its own progress. */
const quietLogger = pino({ level: 'warn' });

const quick = process.argv.includes('--quick');
const FULL = {
  noopSizes: [10_000, 100_000],
  large: 100_000, // the table of the removal, writer, archive and HTTP ratios (2M messages): see docs/performance.md
  removal: { ghosts: 100_000, reps: 3 },
  independence: { ghosts: 10_000, sizes: [10_000, 100_000], reps: 3 },
  backlog: { ghosts: 50_000, reps: 3, pairsPerSecond: 100, idleSeconds: 5, windowSeconds: 10 },
  archive: { stale: 50_000, reps: 3 },
  http: { connections: 10, seconds: 6, reps: 3 },
  noopReps: 200,
  naiveReps: 7,
};
const QUICK: typeof FULL = {
  noopSizes: [5_000, 30_000],
  large: 30_000,
  removal: { ghosts: 20_000, reps: 3 },
  independence: { ghosts: 5_000, sizes: [5_000, 30_000], reps: 3 },
  backlog: { ghosts: 20_000, reps: 3, pairsPerSecond: 100, idleSeconds: 3, windowSeconds: 6 },
  archive: { stale: 5_000, reps: 3 },
  http: { connections: 10, seconds: 4, reps: 3 },
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
    await db.connect();
    await installOnAriaTables(db, cluster.url, log);
    await createPurgeWithoutCheck(db);
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
  const command = async (jobname: string): Promise<string> =>
    (await db.query(`select command from cron.job where jobname = $1`, [jobname])).rows[0].command;
  const cronCommand = await command('session_sweeper.ghost-sessions-purge');
  const pruneCommand = await command('session_sweeper.old-sessions-prune');
  // Runs the purge exactly as the cron job does, and checks it deleted what it should.
  const cronPurge = async (expected: number) => {
    const { rows } = await db.query(cronCommand);
    const deleted = rows[0].deleted ?? rows[0].delete_ghost_sessions;
    if (deleted !== expected) throw new Error(`${cronCommand} deleted ${deleted}, expected ${expected}`);
  };
  const expectDeleted = async (sql: string, expected: number, params: unknown[] = []) => {
    const { rowCount, rows } = await db.query(sql, params);
    const deleted = sql.startsWith('call') ? rows[0].deleted : rowCount;
    if (deleted !== expected) throw new Error(`${sql} deleted ${deleted}, expected ${expected}`);
  };
  // The ghost throughput ratios compare batching with one statement: they run without the rate limit and the pause
  // between batches, whose cost in backlog speed is measured on its own (writers.rate_limit_cost) and whose benefit
  // is the writers' ratio. The writers' ratio and the archive ratio ("as our job runs it") run with the jobs'
  // defaults (the settings unset).
  const defaults: { pause_ms: number; ghosts_per_second: number } = (
    await db.query(
      'select session_sweeper.batch_pause_ms() as pause_ms, session_sweeper.ghosts_per_second() as ghosts_per_second',
    )
  ).rows[0];
  const setJobLimits = (asTheJob: boolean) =>
    db.query(
      asTheJob
        ? 'reset session_sweeper.batch_pause_ms; reset session_sweeper.ghosts_per_second'
        : 'set session_sweeper.batch_pause_ms = 0; set session_sweeper.ghosts_per_second = 0',
    );
  await setJobLimits(false);

  const noop: { sessions: number; ours_ms: number; function_ms: number; naive_ms: number }[] = [];
  const removal: Record<string, number[]> = { ours: [], single_delete: [], delete_any_ids: [], without_check: [] };
  const independence: { sessions: number; ghosts: number; ours_ms: number[] }[] = [];
  const plans: Record<string, string> = {};
  let writers: Awaited<ReturnType<typeof measureWriters>> | undefined;
  let archive: Awaited<ReturnType<typeof measureArchive>> | undefined;
  let http: Awaited<ReturnType<typeof noopPurgeRuns>> | undefined;
  const build_s: Record<string, number> = {};

  for (const size of config.noopSizes) {
    log(`building ${k(size)} sessions (Aria's tables, ~20 messages each)`);
    const built = await timeMs(() => buildSessions(db, size));
    build_s[size] = built / 1000;
    log(`built in ${(built / 1000).toFixed(1)} s; no-op purges`);
    await cronPurge(0);
    const point = {
      sessions: size,
      ours_ms: await medianMs(config.noopReps, () => cronPurge(0)),
      function_ms: await medianMs(config.noopReps, () =>
        db.query(`select session_sweeper.delete_ghost_sessions(${GHOST_MINUTES})`),
      ),
      naive_ms: await withoutOurIndexes(db, () => medianMs(config.naiveReps, () => expectDeleted(NAIVE_DELETE, 0))),
    };
    noop.push(point);
    log(`no-op at ${k(size)}: ours ${point.ours_ms.toFixed(3)} ms, naive ${point.naive_ms.toFixed(1)} ms`);

    // Right after the build and the no-op purges at each size, so that the two sides differ in size only (not in the
    // churn of the large size's later measurements).
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

    if (size === config.large) {
      plans.ours_noop = await nestedPlans(db, cronCommand);
      plans.naive_noop = await withoutOurIndexes(db, () => explain(db, `explain (analyze, buffers) ${NAIVE_DELETE}`));

      const { ghosts, reps } = config.removal;
      const ghostBatch = await defaultArgument(db, 'session_sweeper.purge_ghost_sessions', 'batch_size');
      for (let rep = 0; rep < reps; rep++) {
        log(`removing ${k(ghosts)} ghosts among ${k(size)}: round ${rep + 1}/${reps}`);
        await addGhosts(db, ghosts);
        if (rep === 0) {
          plans.ghost_batch_with_backlog = await rolledBack(db, () =>
            nestedPlans(
              db,
              `select session_sweeper.delete_ghost_sessions_batch(now() - make_interval(mins => ${GHOST_MINUTES}), ${ghostBatch})`,
            ),
          );
          plans.single_delete = await explain(db, `explain ${SINGLE_DELETE}`);
        }
        removal.ours.push(await timeMs(() => cronPurge(ghosts)));
        await addGhosts(db, ghosts);
        removal.without_check.push(await timeMs(() => expectDeleted(PURGE_WITHOUT_CHECK, ghosts)));
        await addGhosts(db, ghosts);
        removal.single_delete.push(await timeMs(() => expectDeleted(SINGLE_DELETE, ghosts)));
        await addGhosts(db, ghosts);
        const { rows } = await db.query(GHOST_IDS);
        removal.delete_any_ids.push(
          await timeMs(() =>
            expectDeleted(`delete from ${TABLES.sessions} where id = any($1::uuid[])`, ghosts, [rows[0].ids]),
          ),
        );
      }
      await settle(db);
      writers = await measureWriters(db, databaseUrl, cronCommand, cronPurge);
      archive = await measureArchive(db, pruneCommand, plans, setJobLimits);
      http = await measureHttp(databaseUrl);
    }
  }

  const at = (sessions: number) => noop.find((p) => p.sessions === sessions)!;
  const [indepSmall, indepLarge] = config.independence.sizes.map((s) => independence.find((i) => i.sessions === s)!);
  const ratios = {
    noop_1m_over_10k: ratio(
      at(config.large).ours_ms / at(small).ours_ms,
      '<= 2',
      `no-op purge (cron command) at ${k(config.large)} sessions over at ${k(small)} (1% of each are swarm sessions the check probes)`,
    ),
    naive_over_ours_noop_1m: ratio(
      at(config.large).naive_ms / at(config.large).ours_ms,
      '>= 100',
      `no-op: naive DELETE without our indexes over the cron command, at ${k(config.large)} sessions`,
    ),
    ours_over_single_delete: ratio(
      median(removal.ours) / median(removal.single_delete),
      '<= 1.5',
      `removing ${k(config.removal.ghosts)} ghosts among ${k(config.large)}: cron command (batches, commits, no pause) over one indexed DELETE`,
    ),
    size_independence: ratio(
      median(indepLarge.ours_ms) / median(indepSmall.ours_ms),
      '<= 1.5',
      `removing ${k(config.independence.ghosts)} ghosts among ${k(indepLarge.sessions)} over among ${k(indepSmall.sessions)}`,
    ),
    writer_p99_during_purge_over_idle: ratio(
      writers!.p99_during_purge_ms / writers!.p99_idle_ms,
      '<= 1.5',
      `p99 of session creates + first messages (${config.backlog.pairsPerSecond} pairs/s) during ${config.backlog.windowSeconds} s of a ${k(config.backlog.ghosts)}-ghost backlog's purge as the job runs it (at most ${defaults.ghosts_per_second} ghosts/s, pause ${defaults.pause_ms} ms), over idle`,
    ),
    http_over_sql_noop: ratio(
      median(http!.map((run) => run.ratio)),
      '>= 0.5',
      `no-op purge: HTTP requests/s over SQL calls/s, ${config.http.connections} concurrent, median of ${config.http.reps} pairs of ${config.http.seconds} s windows taken back to back`,
    ),
    ghost_check_overhead: ratio(
      median(removal.ours) / median(removal.without_check),
      '<= 1.2',
      `removing ${k(config.removal.ghosts)} ghosts among ${k(config.large)}: cron command over the same batch loop without the no-message check`,
    ),
    archive_over_aria_prune: ratio(
      median(archive!.ours_ms) / median(archive!.aria_ms),
      '<= 1.3',
      `archiving and deleting ${k(config.archive.stale)} stale conversations: ${pruneCommand} as the job runs it (pause ${defaults.pause_ms} ms) over Aria's prune_old_sessions (one transaction, IN (ids))`,
    ),
    longest_prune_batch_ms: ratio(
      archive!.longest_batch_ms,
      '<= 250',
      `our longest archive batch (row locks held, commit included), ms, over all runs of ${pruneCommand}`,
    ),
  };

  const { rows: server } = await db.query(
    `select current_setting('server_version') as version, current_setting('shared_buffers') as shared_buffers`,
  );
  return {
    mode: quick ? 'quick' : 'full',
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu: os.cpus()[0]?.model,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      postgres: server[0],
    },
    config: { ...config, cron_command: cronCommand, prune_command: pruneCommand, job_defaults: defaults },
    build_s,
    ratios,
    noop,
    removal: Object.fromEntries(
      Object.entries(removal).map(([name, times]) => [name, { median_ms: median(times), runs_ms: times }]),
    ),
    independence: independence.map((i) => ({ ...i, median_ms: median(i.ours_ms) })),
    writers: writers!,
    archive: archive!,
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
  // The foreign keys' cascades and checks run one statement per row: keep the first plan of each statement, with a
  // count, and shorten the id lists that the plans spell out.
  const byStatement = new Map<string, { plan: string; times: number }>();
  for (const plan of plans) {
    const statement = plan.match(/Query Text: ([^\n]*)/)?.[1] ?? plan;
    const seen = byStatement.get(statement);
    if (seen) seen.times++;
    else byStatement.set(statement, { plan, times: 1 });
  }
  return [...byStatement.values()]
    .map(({ plan, times }) => {
      const shortened = plan.replace(/'\{[^}]{200,}\}'/g, (list) => {
        // A tid is written "(page,item)": count those, not commas.
        const count = list.includes('"(') ? list.split('"(').length - 1 : list.split(',').length;
        return `'{… ${count} ids}'`;
      });
      return times > 1 ? `(run ${times} times, the first shown)\n${shortened}` : shortened;
    })
    .join('\n\n');
}

/**
 * Writers' latencies idle, then during the first windowSeconds of a ghost backlog's purge as the job runs it: its
 * own connection with the database's settings (the rate limit makes a backlog last minutes, and every window of it
 * looks alike), stopped by a statement timeout; the rest is purged without limits. Then the same backlog purged
 * without the rate limit and the pause, writers running too: what the limit costs in backlog speed.
 */
async function measureWriters(
  db: pg.Client,
  databaseUrl: string,
  cronCommand: string,
  cronPurge: (expected: number) => Promise<void>,
) {
  const { ghosts, reps, pairsPerSecond, idleSeconds, windowSeconds } = config.backlog;
  const pool = await warmPool(databaseUrl);
  const store = createStore(pool);
  const idle: number[][] = [];
  const during: number[][] = [];
  const duringUnlimited: number[][] = [];
  const limitedPerSecond: number[] = [];
  const unlimitedPerSecond: number[] = [];
  const asTheJob = async () => {
    await addGhosts(db, ghosts);
    const job = new pg.Client({ connectionString: databaseUrl, statement_timeout: windowSeconds * 1000 });
    await job.connect();
    const started = performance.now();
    let elapsedMs = 0;
    try {
      const stopped = job.query(cronCommand).then(
        () => {
          throw new Error(`${cronCommand} finished a ${ghosts}-ghost backlog within ${windowSeconds} s: no window`);
        },
        (error) => {
          if (error.code !== '57014') throw error; // the statement timeout that ends the window
          elapsedMs = performance.now() - started;
        },
      );
      const latencies = await runWriters(store, pairsPerSecond, stopped);
      const remaining: number = (await db.query(GHOST_COUNT)).rows[0].n;
      limitedPerSecond.push((ghosts - remaining) / (elapsedMs / 1000));
      await cronPurge(remaining);
      return latencies;
    } finally {
      await job.end();
    }
  };
  const unlimited = async () => {
    await addGhosts(db, ghosts);
    let purgeMs = 0;
    const latencies = await runWriters(
      store,
      pairsPerSecond,
      timeMs(() => cronPurge(ghosts)).then((ms) => (purgeMs = ms)),
    );
    unlimitedPerSecond.push(ghosts / (purgeMs / 1000));
    return latencies;
  };
  try {
    await runWriters(store, pairsPerSecond, new Promise((resolve) => setTimeout(resolve, 1000))); // warm the plans
    for (let rep = 0; rep < reps; rep++) {
      log(
        `writers at ${pairsPerSecond} pairs/s: idle, then during a ${k(ghosts)}-ghost purge (round ${rep + 1}/${reps})`,
      );
      idle.push(
        await runWriters(store, pairsPerSecond, new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000))),
      );
      during.push(await asTheJob());
      duringUnlimited.push(await unlimited());
    }
  } finally {
    await pool.end();
  }
  await settle(db);
  const p99s = (runs: number[][]) => runs.map((latencies) => percentile(latencies, 99));
  return {
    p99_idle_ms: median(p99s(idle)),
    p99_during_purge_ms: median(p99s(during)),
    p99_idle_runs_ms: p99s(idle),
    p99_during_purge_runs_ms: p99s(during),
    /** The same p99 while a backlog is purged without the limit and the pause: what the limit buys. */
    p99_during_unlimited_purge_runs_ms: p99s(duringUnlimited),
    p50_idle_ms: median(idle.map((l) => median(l))),
    p50_during_purge_ms: median(during.map((l) => median(l))),
    calls_idle: idle.map((l) => l.length),
    calls_during_purge: during.map((l) => l.length),
    /** Writer pairs that failed (e.g. no pool connection in time): their calls count in the latencies above. */
    failed_idle: idle.map((l) => (l as { failed?: number }).failed ?? 0),
    failed_during_purge: during.map((l) => (l as { failed?: number }).failed ?? 0),
    /** Backlog speed, ghosts per second: as the job runs it (its window), and without the limit and the pause. */
    ghosts_per_second_as_the_job: limitedPerSecond,
    ghosts_per_second_unlimited: unlimitedPerSecond,
    /** Backlog speed without the limit and the pause over as the job runs it. */
    rate_limit_cost: median(unlimitedPerSecond) / median(limitedPerSecond),
  };
}

/**
 * The service's pool with all its connections open, kept open between the writers' windows. Otherwise a connection
 * closed while a backlog is being added (idle for 10 s) is opened again inside a measured window, and its start
 * (75–200 ms here) becomes that window's p99 whether the purge runs or not.
 */
async function warmPool(databaseUrl: string) {
  const pool = createPool(databaseUrl, quietLogger);
  pool.options.min = pool.options.max;
  const clients = await Promise.all(Array.from({ length: pool.options.max }, () => pool.connect()));
  for (const client of clients) client.release();
  return pool;
}

/**
 * Archiving and deleting stale conversations: the old-sessions-prune job's command as the job runs it (with the
 * default pause between batches) against Aria's own prune, each on a fresh set of the same size, in turns. Our
 * batches' lock times come from the procedure's progress messages.
 */
async function measureArchive(
  db: pg.Client,
  pruneCommand: string,
  plans: Record<string, string>,
  setJobLimits: (asTheJob: boolean) => Promise<unknown>,
) {
  const { stale, reps } = config.archive;
  const ours: number[] = [];
  const aria: number[] = [];
  const batchMs: number[] = [];
  const onNotice = (notice: { message?: string }) => {
    const match = notice.message?.match(/^purge_old_sessions: batch of .* in (\d+) ms$/);
    if (match) batchMs.push(Number(match[1]));
  };
  for (let rep = 0; rep < reps; rep++) {
    log(`archiving ${k(stale)} stale conversations: ours, then Aria's prune (round ${rep + 1}/${reps})`);
    await addStaleConversations(db, stale);
    if (rep === 0) {
      const batchSize = await defaultArgument(db, 'session_sweeper.purge_old_sessions', 'batch_size');
      plans.archive_batch = await rolledBack(db, () =>
        nestedPlans(db, `select session_sweeper.prune_old_sessions_batch(now() - interval '30 days', ${batchSize})`),
      );
    }
    await db.query('set client_min_messages = debug1');
    db.on('notice', onNotice);
    await setJobLimits(true);
    try {
      ours.push(
        await timeMs(async () => {
          const { rows } = await db.query(pruneCommand);
          if (rows[0].pruned !== stale) throw new Error(`${pruneCommand} pruned ${rows[0].pruned}, expected ${stale}`);
        }),
      );
    } finally {
      db.off('notice', onNotice);
      await setJobLimits(false);
      await db.query('reset client_min_messages');
    }
    await addStaleConversations(db, stale);
    aria.push(
      await timeMs(async () => {
        const pruned = await ariaPrune(db, 30);
        if (pruned !== stale) throw new Error(`Aria's prune pruned ${pruned}, expected ${stale}`);
      }),
    );
  }
  await settle(db);
  log(`archiving ${k(stale)}: ours ${median(ours).toFixed(0)} ms, Aria's ${median(aria).toFixed(0)} ms`);
  return {
    ours_ms: ours,
    aria_ms: aria,
    batches: batchMs.length,
    longest_batch_ms: Math.max(...batchMs),
    median_batch_ms: median(batchMs),
  };
}

async function measureHttp(databaseUrl: string) {
  const { connections, seconds, reps } = config.http;
  log(`no-op purge over HTTP, then over SQL: ${connections} concurrent, ${seconds} s each, ${reps} times`);
  return noopPurgeRuns(databaseUrl, connections, seconds, reps);
}

function printReport(results: BenchResults) {
  const rows = Object.entries(results.ratios).map(([name, r]) => ({
    ratio: name,
    value: Number(r.value.toFixed(r.value >= 100 ? 0 : 2)),
    target: r.target,
    met: r.met ? 'yes' : 'NO',
    what: r.what,
  }));
  console.log(
    `\nsession-sweeper bench (${results.mode}), ${results.machine.cpus} CPUs, PostgreSQL ${results.machine.postgres.version}`,
  );
  console.table(rows);
  console.table(
    results.noop.map((p) => ({
      sessions: p.sessions,
      'ours (cron) ms': p.ours_ms,
      'function ms': p.function_ms,
      'naive ms': p.naive_ms,
    })),
  );
  console.table(
    Object.entries(results.removal).map(([name, r]) => ({
      method: name,
      'median ms': r.median_ms,
      runs: r.runs_ms.map((t) => Math.round(t)).join(', '),
    })),
  );
  console.log(
    'writers:',
    results.writers,
    '\narchive:',
    results.archive,
    '\nhttp:',
    results.http,
    '\nbuild (s):',
    results.build_s,
  );
  const { writers: w, config: c } = results;
  const speed = (runs: number[]) => `${median(runs).toFixed(0)} ghosts/s`;
  console.log(
    `backlog speed as the job runs it (at most ${c.job_defaults.ghosts_per_second} ghosts/s, pause ${c.job_defaults.pause_ms} ms): ` +
      `${speed(w.ghosts_per_second_as_the_job)}, ${speed(w.ghosts_per_second_unlimited)} without them (${w.rate_limit_cost.toFixed(1)}x); ` +
      `writers' p99 ${w.p99_during_purge_ms.toFixed(1)} ms, ${median(w.p99_during_unlimited_purge_runs_ms).toFixed(1)} ms without them`,
  );
  for (const [name, plan] of Object.entries(results.plans)) console.log(`\n--- plan: ${name}\n${plan}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
