// The routes behind the operator's page, on the real database.
import { afterEach, describe, expect, it } from 'vitest';
import { setCronJobsActive } from './helpers/cron.ts';
import { countSessions, insertSession, useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();

const auditRows = async () =>
  (await db.query('select kind, threshold::text, dry_run, deleted, source from session_sweeper.session_purge_log order by id')).rows;

describe('ghost count and dry run', () => {
  it('GET /ghosts counts ghosts older than the threshold and the oldest one, deleting and auditing nothing', async () => {
    await insertSession(db, { idleMinutes: 40 });
    await insertSession(db, { idleMinutes: 20 });
    await insertSession(db, { idleMinutes: 5 });
    await insertSession(db, { idleMinutes: 90, messages: 1 });

    const response = await app.request('/api/engine/sessions/ghosts?older_than_minutes=15');
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({ older_than_minutes: 15, ghosts: 2, oldest_ghost_age_seconds: expect.any(Number) });
    expect(Math.round(body.oldest_ghost_age_seconds / 60)).toBe(40);
    expect(await (await app.request('/api/engine/sessions/ghosts?older_than_minutes=30')).json()).toMatchObject({ ghosts: 1 });
    expect(await countSessions(db)).toBe(4);
    expect(await auditRows()).toEqual([]);
  });

  it('GET /ghosts with no ghost at all answers 0 and a null age', async () => {
    await insertSession(db, { idleMinutes: 90, messages: 2 });
    const response = await app.request('/api/engine/sessions/ghosts');
    expect(await response.json()).toEqual({ older_than_minutes: 15, ghosts: 0, oldest_ghost_age_seconds: null });
  });

  it('DELETE /ghosts?dry_run=true counts, deletes nothing and is audited as a dry run; then the real purge', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 5 });

    const dry = await app.request('/api/engine/sessions/ghosts?older_than_minutes=15&dry_run=true', { method: 'DELETE' });
    expect(await dry.json()).toEqual({ deleted: 3, dry_run: true, status: 'ok' });
    expect(await countSessions(db)).toBe(4);
    const real = await app.request('/api/engine/sessions/ghosts?older_than_minutes=15&dry_run=false', { method: 'DELETE' });
    expect(await real.json()).toEqual({ deleted: 3, status: 'ok' });
    expect(await countSessions(db)).toBe(1);
    expect(await auditRows()).toEqual([
      { kind: 'ghost', threshold: '00:15:00', dry_run: true, deleted: 3, source: 'session-sweeper' },
      { kind: 'ghost', threshold: '00:15:00', dry_run: false, deleted: 3, source: 'session-sweeper' },
    ]);
  });

  it.each([
    ['DELETE', '/api/engine/sessions/ghosts?dry_run=yes', 'dry_run must be true or false'],
    ['GET', '/api/engine/sessions/ghosts?older_than_minutes=-1', 'whole number'],
    ['GET', '/api/engine/purges?limit=0', 'limit must be at least 1'],
    ['GET', '/api/engine/purges?limit=5001', 'limit must be at most 5000'],
    ['GET', '/api/engine/purges?hours=x', 'hours must be a whole number'],
  ])('%s %s → 400, nothing deleted', async (method, path, message) => {
    await insertSession(db, { idleMinutes: 30 });
    const response = await app.request(path, { method });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ status: 'error', error: expect.stringContaining(message) });
    expect(await countSessions(db)).toBe(1);
  });
});

describe('stats and the purge audit', () => {
  it('GET /stats answers the stats view and the number of sessions', async () => {
    for (let i = 0; i < 2; i++) await insertSession(db, { idleMinutes: 20 });
    await insertSession(db, { idleMinutes: 1, messages: 1 });
    await db.query(
      `insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source) values
         (now() - interval '2 hours', now() - interval '2 hours', 'ghost', '15 minutes', false, 7, 'pg_cron'),
         (now() - interval '10 minutes', now() - interval '10 minutes', 'ghost', '15 minutes', false, 4, 'psql'),
         (now() - interval '5 minutes', now() - interval '5 minutes', 'ghost', '15 minutes', true, 9, 'psql')`,
    );
    const response = await app.request('/api/engine/stats');
    expect(response.status).toBe(200);
    const stats = await response.json();
    expect(stats).toMatchObject({
      ghosts_pending: 2,
      deleted_last_hour: 4,
      deleted_last_day: 11,
      sessions_total: 3,
      last_purge_kind: 'ghost',
      last_purge_deleted: 4,
      last_purge_source: 'psql',
      last_purge_at: expect.stringMatching(/Z$/),
    });
    expect(Math.round(stats.oldest_ghost_age_seconds / 60)).toBe(20);
    expect(Math.round(stats.purge_lag_seconds / 60)).toBe(5);
  });

  it('GET /purges answers the audit newest first, limited in count and in time', async () => {
    await db.query(
      `insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source)
       select t - interval '250 ms', t, 'ghost', '15 minutes', h = 3, h, 'pg_cron'
       from generate_series(1, 30) as h, lateral (select now() - make_interval(hours => h, mins => 1) as t) finished`,
    );
    const latest = await (await app.request('/api/engine/purges')).json();
    expect(latest.purges).toHaveLength(20);
    expect(latest.purges.map((p: { deleted: number }) => p.deleted)).toEqual([...Array(20)].map((_, i) => i + 1));
    expect(latest.purges[2]).toEqual({
      id: expect.any(Number),
      ran_at: expect.stringMatching(/Z$/),
      finished_at: expect.stringMatching(/Z$/),
      kind: 'ghost',
      threshold_seconds: 900,
      dry_run: true,
      deleted: 3,
      duration_seconds: 0.25,
      source: 'pg_cron',
    });
    const day = await (await app.request('/api/engine/purges?hours=24&limit=5000')).json();
    expect(day.purges).toHaveLength(23); // finished 1 h 1 min .. 23 h 1 min ago
    expect((await (await app.request('/api/engine/purges?limit=2')).json()).purges).toHaveLength(2);
  });
});

describe('pause and resume', () => {
  afterEach(() => setCronJobsActive(db, false));

  const active = async (job: string) =>
    (await db.query('select active from cron.job where jobname = $1', [job])).rows[0].active as boolean;

  it('POST /jobs/:job/resume and /pause switch cron.job.active of that job only', async () => {
    const resumed = await app.request('/api/engine/jobs/session_sweeper.old-sessions-prune/resume', { method: 'POST' });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toEqual({ job: 'session_sweeper.old-sessions-prune', active: true });
    expect(await active('session_sweeper.old-sessions-prune')).toBe(true);
    expect(await active('session_sweeper.ghost-sessions-purge')).toBe(false);

    const paused = await app.request('/api/engine/jobs/session_sweeper.old-sessions-prune/pause', { method: 'POST' });
    expect(await paused.json()).toEqual({ job: 'session_sweeper.old-sessions-prune', active: false });
    expect(await active('session_sweeper.old-sessions-prune')).toBe(false);
  });

  it('answers 404 for a job that is not ours, and changes nothing', async () => {
    await db.query(`select cron.schedule('someone-elses-job', '0 0 1 1 *', 'select 1')`);
    try {
      const response = await app.request('/api/engine/jobs/someone-elses-job/pause', { method: 'POST' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ status: 'error', error: expect.stringContaining('expected one of session_sweeper.cron-history-cleanup, session_sweeper.ghost-sessions-purge') });
      expect(await active('someone-elses-job')).toBe(true);
    } finally {
      await db.query(`select cron.unschedule('someone-elses-job')`);
    }
  });
});

describe('the page', () => {
  it('is served at / and /dashboard with its own script and stylesheet only, under a strict CSP', async () => {
    for (const path of ['/', '/dashboard']) {
      const page = await app.request(path);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(page.headers.get('x-content-type-options')).toBe('nosniff');
      const html = await page.text();
      expect(html).not.toMatch(/<script>|<style|style="/);
      const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
      expect(assets).toEqual(['dashboard/assets/favicon.svg', 'dashboard/assets/dashboard.css', 'dashboard/assets/dashboard.js', 'docs']);
      for (const asset of assets.slice(0, 3)) expect((await app.request(`/${asset}`)).status).toBe(200);
    }
    expect((await app.request('/dashboard/assets/index.html')).status).toBe(404);
    expect((await app.request('/dashboard/assets/..%2Fapp.ts')).status).toBe(404);
  });
});
