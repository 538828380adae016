// The operator's page in a real browser (Debian's chromium, driven by playwright-core) against the real service
// (`npm start`'s entry point) and the real database. DASHBOARD_SCREENSHOT=path also saves a screenshot (npm run screenshot).
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setCronJobsActive } from './helpers/cron.ts';
import { countSessions, databaseUrl, insertSession, useDatabase } from './helpers/db.ts';
import { type Service, startService } from './helpers/service.ts';

const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-browser-test-token';

const db = useDatabase();
let browser: Browser;
const services: Service[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const service of services) {
    service.kill('SIGTERM');
    await service.exited;
  }
  await setCronJobsActive(db, false);
}, 60_000);

async function serve(env: Record<string, string> = {}) {
  const service = await startService({ DATABASE_URL: databaseUrl(), ...env });
  services.push(service);
  return service.baseUrl;
}

/** A page that records what the browser complains about (CSP violations, script errors, failed requests). */
async function openPage(url: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  const response = await page.goto(url);
  return { page, problems, response: response! };
}

/** A day of purge history as the cron job and a DBA write it, for the chart. Returns how many real purges. */
async function seedPurgeHistory(): Promise<number> {
  const { rowCount } = await db.query(
    `insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source)
     select t - make_interval(secs => d), t, kind, threshold, false, n, source
     from (
       select now() - make_interval(mins => 10 * i + 3) as t, 'ghost' as kind, interval '15 minutes' as threshold,
              (abs(sin(i)) * 40 * (1 + (i % 36 < 6)::int))::int as n, 0.004 + abs(cos(i)) * 0.03 as d, 'pg_cron' as source
       from generate_series(1, 140) as i
       union all
       select now() - make_interval(hours => h), 'prune', interval '30 days', 2 * h, 0.05, 'pg_cron'
       from generate_series(2, 20, 6) as h
       union all
       select now() - make_interval(hours => h, mins => 17), 'ghost', interval '0', 60 - h, 0.012, 'psql'
       from unnest(array[5, 16]) as h
     ) runs`,
  );
  return rowCount!;
}

const active = async (job: string) =>
  (await db.query('select active from cron.job where jobname = $1', [job])).rows[0].active as boolean;

async function waitForText(page: Page, selector: string, text: string) {
  await page.locator(selector).filter({ hasText: text }).waitFor({ timeout: 10_000 });
}

describe('the operator page', () => {
  it('shows the ghosts in red, cleans them in two clicks, and pauses and resumes a job', async () => {
    for (let i = 0; i < 5; i++) await insertSession(db, { idleMinutes: 30 + i });
    for (let i = 0; i < 2; i++) await insertSession(db, { idleMinutes: 3 });
    await insertSession(db, { idleMinutes: 60, messages: 2 });
    const runs = await seedPurgeHistory();
    // The ghost job stays paused until the page resumes it: a cron run would race the page's purge.
    await setCronJobsActive(db, true, ['session_sweeper.old-sessions-prune', 'session_sweeper.cron-history-cleanup']);
    const baseUrl = await serve();

    const { page, problems, response } = await openPage(`${baseUrl}/`);
    expect(response.headers()['content-security-policy']).toContain("script-src 'self'");
    await waitForText(page, '#ghosts-pending', '5');
    expect(await page.locator('#card-ghosts').getAttribute('class')).toContain('alert');
    expect(await page.locator('#sessions-total').textContent()).toBe('8');
    expect(await page.locator('#chart rect.run').count()).toBe(runs);
    expect(await page.locator('#chart circle.run').count()).toBe(runs);
    expect(await page.locator('#legend').textContent()).toContain('psql');
    expect(await page.locator('#jobs tbody tr').count()).toBe(3);
    if (process.env.DASHBOARD_SCREENSHOT)
      await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });

    await page.locator('#clean').click();
    await waitForText(page, '#confirm-text', '5 ghosts older than 15 minutes. Delete them?');
    expect(await countSessions(db)).toBe(8); // the first click only counted
    await page.locator('#confirm-delete').click();
    await waitForText(page, '#toast', 'Deleted 5 ghost sessions.');
    await waitForText(page, '#ghosts-pending', '0');
    expect(await page.locator('#card-ghosts').getAttribute('class')).not.toContain('alert');
    expect(await countSessions(db)).toBe(3);
    const { rows: audit } = await db.query(
      `select dry_run, deleted, source, threshold::text from session_sweeper.session_purge_log where source = 'session-sweeper' order by id`,
    );
    expect(audit).toEqual([
      { dry_run: true, deleted: 5, source: 'session-sweeper', threshold: '00:15:00' },
      { dry_run: false, deleted: 5, source: 'session-sweeper', threshold: '00:15:00' },
    ]);
    await waitForText(page, '#purges tbody tr:first-child', 'HTTP');
    expect(await page.locator('#purges tbody tr:first-child td').allTextContents()).toEqual([
      expect.any(String),
      'ghost',
      '15 min',
      '5',
      expect.stringMatching(/ms$/),
      'HTTP',
    ]);

    const ghostJob = page.locator('tr[data-job="session_sweeper.ghost-sessions-purge"]');
    expect(await ghostJob.locator('td.state').textContent()).toBe('paused');
    await ghostJob.getByRole('button', { name: 'Resume' }).click();
    await waitForText(page, '#toast', 'session_sweeper.ghost-sessions-purge resumed');
    expect(await active('session_sweeper.ghost-sessions-purge')).toBe(true);
    await waitForText(page, 'tr[data-job="session_sweeper.ghost-sessions-purge"] td.state', 'active');
    await ghostJob.getByRole('button', { name: 'Pause' }).click();
    await waitForText(page, '#toast', 'session_sweeper.ghost-sessions-purge paused');
    expect(await active('session_sweeper.ghost-sessions-purge')).toBe(false);
    expect(await active('session_sweeper.old-sessions-prune')).toBe(true);
    // The browser logs a refresh the service answered 503 (with the whole suite on 2 cores, a new connection can miss
    // its 800 ms timeout; the page retries at its next refresh, and every click above was checked): nothing else.
    expect(problems.filter((problem) => !problem.includes('503 (Service Unavailable)'))).toEqual([]);
    await page.close();
  }, 60_000);

  it('with API_TOKEN: loads, asks for the token once, says so when it is refused, keeps it for the tab', async () => {
    await insertSession(db, { idleMinutes: 20 });
    const baseUrl = await serve({ API_TOKEN: TOKEN });

    const { page, problems } = await openPage(`${baseUrl}/dashboard`);
    await waitForText(page, '#login-message', 'This service requires an API token');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);

    await page.locator('#token').fill('not-the-token-at-all');
    await page.locator('#token').press('Enter');
    await waitForText(page, '#login-message', 'The server refused this token (invalid bearer token)');
    expect(await page.locator('#dashboard').isHidden()).toBe(true);

    await page.locator('#token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page, '#ghosts-pending', '1');
    expect(await page.evaluate(() => Object.values(sessionStorage))).toEqual([TOKEN]);

    await page.reload();
    await waitForText(page, '#ghosts-pending', '1');
    expect(await page.locator('#login').isHidden()).toBe(true);
    // The browser logs each refused request (401) as an error; nothing else may be there.
    expect(problems.filter((problem) => !problem.includes('401 (Unauthorized)'))).toEqual([]);
    await page.close();
  }, 60_000);
});
