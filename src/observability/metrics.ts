// GET /metrics in Prometheus text format: HTTP traffic, and the purge as the database sees it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../db/store.ts';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(
  store: Pick<Store, 'readPurgeStats' | 'listJobs'>,
  onDatabaseError: (error: unknown) => void,
) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers,
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency, by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  // Counted from the audit table (session_purge_log), so purges by pg_cron and psql count too. Each scrape adds
  // the rows written since the previous one; at start-up, everything the audit still holds (30 days).
  const purges = new Counter({
    name: 'session_sweeper_purges_total',
    help: 'Purge function calls recorded in session_purge_log, by kind (ghost|prune), source (application_name) and dry_run',
    labelNames: ['kind', 'source', 'dry_run'],
    registers,
  });
  const purgedRows = new Counter({
    name: 'session_sweeper_purged_rows_total',
    help: 'Sessions deleted by the purge functions (dry runs excluded), by kind and source',
    labelNames: ['kind', 'source'],
    registers,
  });
  const ghostsPending = new Gauge({
    name: 'session_sweeper_ghosts_pending',
    help: 'Sessions with no message idle for longer than session_sweeper.ghost_idle_minutes(): what the next ghost purge deletes',
    registers,
  });
  const oldestGhostAge = new Gauge({
    name: 'session_sweeper_oldest_ghost_age_seconds',
    help: 'Idle time of the oldest session with no message (0 when there is none)',
    registers,
  });
  const purgeLag = new Gauge({
    name: 'session_sweeper_purge_lag_seconds',
    help: 'How far the oldest ghost is past session_sweeper.ghost_idle_minutes(); above ~120 the purge is falling behind',
    registers,
  });
  const cronLastSuccessAge = new Gauge({
    name: 'session_sweeper_cron_last_success_age_seconds',
    help: 'Seconds since the last successful run of each of our pg_cron jobs (absent: never succeeded, or pg_cron in another database)',
    labelNames: ['job'],
    registers,
  });
  const cronJobActive = new Gauge({
    name: 'session_sweeper_cron_job_active',
    help: '1 when the pg_cron job is active, 0 when paused',
    labelNames: ['job'],
    registers,
  });
  const databaseUp = new Gauge({
    name: 'session_sweeper_database_up',
    help: '1 when this scrape could read the database, else 0 (the database gauges are then NaN or absent)',
    registers,
  });

  let lastAuditId = 0;

  async function readDatabase() {
    const stats = await store.readPurgeStats(lastAuditId);
    const jobs = await store.listJobs();
    for (const row of stats.audit) {
      purges.inc({ kind: row.kind, source: row.source, dry_run: String(row.dry_run) }, row.purges);
      if (!row.dry_run) purgedRows.inc({ kind: row.kind, source: row.source }, row.deleted);
    }
    lastAuditId = stats.lastAuditId;
    ghostsPending.set(stats.ghostsPending);
    oldestGhostAge.set(stats.oldestGhostAgeSeconds ?? 0);
    purgeLag.set(stats.purgeLagSeconds);
    cronLastSuccessAge.reset();
    cronJobActive.reset();
    for (const job of jobs ?? []) {
      cronJobActive.set({ job: job.job }, job.active ? 1 : 0);
      if (job.last_success_at) {
        cronLastSuccessAge.set({ job: job.job }, (Date.now() - Date.parse(job.last_success_at)) / 1000);
      }
    }
  }

  return {
    observeRequest(method: string, route: string, status: number, seconds: number) {
      const labels = { method, route, status: String(status) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, seconds);
    },

    /** The exposition text; while the database does not answer, database_up is 0 and its gauges unknown. */
    async render(): Promise<string> {
      try {
        await readDatabase();
        databaseUp.set(1);
      } catch (error) {
        // No stale numbers: unknown is NaN (a gauge without labels cannot be left out), per-job series go away.
        for (const gauge of [ghostsPending, oldestGhostAge, purgeLag]) gauge.set(Number.NaN);
        cronLastSuccessAge.reset();
        cronJobActive.reset();
        databaseUp.set(0);
        onDatabaseError(error);
      }
      return registry.metrics();
    },

    contentType: registry.contentType,
  };
}
