// The operator's page: reads /api/engine/* every 5 s (not while the tab is hidden), cleans ghosts, pauses and
// resumes jobs. Plain browser JavaScript, no build step. With API_TOKEN set on the server, the token typed once is
// kept in sessionStorage (this tab only) and sent as a bearer header.
'use strict';

const REFRESH_MS = 5000;
const TOKEN_KEY = 'session-sweeper.api-token';
const DAY_MS = 24 * 3600 * 1000;
const SOURCES = { pg_cron: ['pg_cron', '#1f77b4'], 'session-sweeper': ['HTTP', '#e8710a'], psql: ['psql', '#2e7d32'] };
const OTHER_SOURCE = '#8e8e8e';

const $ = (id) => document.getElementById(id);
let refreshTimer;
let pendingClean; // the minutes the confirmation is about

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, method = 'GET') {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(`api/engine/${path}`, {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.error || `HTTP ${response.status}`);
  return body;
}

// ---- formatting

const number = (n) => n.toLocaleString('en');
const clock = (iso) => new Date(iso).toLocaleTimeString('en-GB');

function duration(seconds) {
  if (seconds === null || seconds === undefined) return 'none';
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const parts = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['min', 60], ['s', 1]]) {
    if (rest >= size) parts.push(`${Math.floor(rest / size)} ${unit}`);
    rest %= size;
  }
  return parts.slice(0, 2).join(' ');
}

function ago(iso) {
  return iso ? `${duration((Date.now() - new Date(iso).getTime()) / 1000)} ago` : 'never';
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

// ---- rendering

function renderStats(stats) {
  $('ghosts-pending').textContent = number(stats.ghosts_pending);
  $('card-ghosts').classList.toggle('alert', stats.ghosts_pending > 0);
  $('oldest-ghost').textContent = duration(stats.oldest_ghost_age_seconds);
  $('purge-lag').textContent = duration(stats.purge_lag_seconds);
  $('card-lag').classList.toggle('alert', stats.purge_lag_seconds > 60);
  $('deleted-hour').textContent = number(stats.deleted_last_hour);
  $('deleted-day').textContent = number(stats.deleted_last_day);
  $('sessions-total').textContent = number(stats.sessions_total);
  $('last-purge').textContent = stats.last_purge_at
    ? `last: ${stats.last_purge_deleted} by ${sourceName(stats.last_purge_source)}, ${ago(stats.last_purge_at)}`
    : 'no purge yet';
}

function renderJobs(jobs) {
  const body = $('jobs').tBodies[0];
  body.replaceChildren();
  for (const job of jobs) {
    const row = body.insertRow();
    row.dataset.job = job.job;
    cell(row, job.job, 'mono');
    cell(row, job.schedule, 'mono');
    cell(row, job.active ? 'active' : 'paused', job.active ? 'state ok' : 'state paused');
    cell(row, job.last_status ? `${job.last_status}, ${ago(job.last_run_at)}` : 'not run yet', job.last_status === 'failed' ? 'bad' : '');
    cell(row, job.last_duration_seconds === null ? '' : duration(job.last_duration_seconds), 'num');
    cell(row, job.next_due);
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = job.active ? 'Pause' : 'Resume';
    button.addEventListener('click', () => switchJob(job.job, job.active ? 'pause' : 'resume', button));
    row.insertCell().append(button);
  }
}

function renderPurges(purges) {
  const body = $('purges').tBodies[0];
  body.replaceChildren();
  for (const purge of purges) {
    const row = body.insertRow();
    cell(row, new Date(purge.finished_at).toLocaleString('en-GB'));
    cell(row, purge.dry_run ? `${purge.kind} (dry run)` : purge.kind, purge.dry_run ? 'muted' : '');
    cell(row, purge.threshold_seconds ? duration(purge.threshold_seconds) : '0 min');
    cell(row, number(purge.deleted), 'num');
    cell(row, duration(purge.duration_seconds), 'num');
    cell(row, sourceName(purge.source));
  }
  if (!purges.length) cell(body.insertRow(), 'no purge recorded yet', 'muted').colSpan = 6;
}

const sourceName = (source) => (SOURCES[source] ? SOURCES[source][0] : source);
const sourceColour = (source) => (SOURCES[source] ? SOURCES[source][1] : OTHER_SOURCE);

function svg(parent, name, attributes, title) {
  const element = document.createElementNS('http://www.w3.org/2000/svg', name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (title) svg(element, 'title', {}).textContent = title;
  parent.append(element);
  return element;
}

/** Two panels sharing the time axis (last 24 h): rows deleted per run (bars), run duration (dots). Dry runs left out. */
function renderChart(purges) {
  const chart = $('chart');
  chart.replaceChildren();
  const runs = purges.filter((p) => !p.dry_run);
  const now = Date.now();
  const [left, right, width] = [56, 750, 694];
  const x = (iso) => left + ((new Date(iso).getTime() - (now - DAY_MS)) / DAY_MS) * width;
  const panels = [
    { title: 'rows deleted per run', top: 18, height: 90, value: (p) => p.deleted, label: (v) => number(Math.round(v)) },
    { title: 'run duration', top: 140, height: 80, value: (p) => p.duration_seconds, label: (v) => duration(v) },
  ];
  for (const panel of panels) {
    const max = Math.max(...runs.map(panel.value), 0) || 1;
    const y = (v) => panel.top + panel.height - (v / max) * panel.height;
    svg(chart, 'text', { x: left, y: panel.top - 6, class: 'axis-title' }).textContent = panel.title;
    for (const v of [0, max]) {
      svg(chart, 'line', { x1: left, x2: right, y1: y(v), y2: y(v), class: 'grid' });
      svg(chart, 'text', { x: left - 6, y: y(v) + 4, class: 'axis-label', 'text-anchor': 'end' }).textContent = panel.label(v);
    }
    for (const p of runs) {
      const title = `${clock(p.finished_at)} · ${sourceName(p.source)} · ${p.kind} · ${number(p.deleted)} deleted · ${duration(p.duration_seconds)}`;
      const colour = sourceColour(p.source);
      if (panel === panels[0]) {
        const h = Math.max((p.deleted / max) * panel.height, p.deleted > 0 ? 2 : 0);
        svg(chart, 'rect', { x: x(p.finished_at) - 1.5, y: panel.top + panel.height - h, width: 3, height: h, fill: colour, class: 'run' }, title);
      } else {
        svg(chart, 'circle', { cx: x(p.finished_at), cy: y(panel.value(p)), r: 2.5, fill: colour, class: 'run' }, title);
      }
    }
  }
  for (let hoursAgo = 24; hoursAgo >= 0; hoursAgo -= 6) {
    const at = new Date(now - hoursAgo * 3600 * 1000);
    svg(chart, 'text', { x: x(at.toISOString()), y: 242, class: 'axis-label', 'text-anchor': 'middle' }).textContent =
      hoursAgo ? at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' }) : 'now';
  }
  const legend = $('legend');
  legend.replaceChildren();
  const seen = [...new Set(runs.map((p) => p.source))];
  for (const source of seen.length ? seen : Object.keys(SOURCES)) {
    const item = document.createElement('span');
    const swatch = svg(item, 'svg', { width: 10, height: 10 });
    svg(swatch, 'rect', { width: 10, height: 10, fill: sourceColour(source) });
    item.append(` ${sourceName(source)}`);
    legend.append(item);
  }
  legend.append(runs.length ? ` · ${number(runs.length)} runs` : ' · no purge in the last 24 h');
}

// ---- refresh, sign-in, actions

async function refresh() {
  clearTimeout(refreshTimer);
  try {
    const [stats, latest, day, jobs] = await Promise.all([
      api('stats'),
      api('purges?limit=20'),
      api('purges?hours=24&limit=5000'),
      api('jobs').catch((error) => (error.status === 404 ? error : Promise.reject(error))),
    ]);
    renderStats(stats);
    renderPurges(latest.purges);
    renderChart(day.purges);
    $('jobs').hidden = jobs instanceof Error;
    $('jobs-elsewhere').hidden = !(jobs instanceof Error);
    if (jobs instanceof Error) $('jobs-elsewhere').textContent = jobs.message;
    else renderJobs(jobs.jobs);
    $('updated').textContent = `updated ${new Date().toLocaleTimeString('en-GB')}`;
    $('error').hidden = true;
    $('login').hidden = true;
    $('dashboard').hidden = false;
  } catch (error) {
    if (error.status === 401) return askForToken(error.message);
    showError(`Could not refresh: ${error.message}`);
  }
  if (!document.hidden) refreshTimer = setTimeout(refresh, REFRESH_MS);
}

function askForToken(reason) {
  const refused = sessionStorage.getItem(TOKEN_KEY) !== null;
  sessionStorage.removeItem(TOKEN_KEY);
  $('login-message').textContent = refused
    ? `The server refused this token (${reason}). Enter a valid API token.`
    : 'This service requires an API token (the server runs with API_TOKEN). Enter it to continue; it is kept for this tab only.';
  $('login-message').className = refused ? 'bad' : '';
  $('dashboard').hidden = true;
  $('error').hidden = true;
  $('forget-token').hidden = true;
  $('login').hidden = false;
  $('token').focus();
}

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = false;
}

let toastTimer;
function toast(message, kind = 'ok') {
  const element = $('toast');
  element.textContent = message;
  element.className = kind;
  element.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (element.hidden = true), 8000);
}

async function act(button, work) {
  button.disabled = true;
  try {
    await work();
  } catch (error) {
    if (error.status === 401) return askForToken(error.message);
    toast(error.message, 'bad');
  } finally {
    button.disabled = false;
  }
}

const plural = (n, word) => `${number(n)} ${word}${n === 1 ? '' : 's'}`;

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  $('forget-token').hidden = false;
  refresh();
});

$('forget-token').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  askForToken();
});

$('clean-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const minutes = $('minutes').value;
  act($('clean'), async () => {
    const { deleted } = await api(`sessions/ghosts?older_than_minutes=${encodeURIComponent(minutes)}&dry_run=true`, 'DELETE');
    if (!deleted) {
      $('confirm').hidden = true;
      return toast(`No ghost older than ${minutes} minutes: nothing to delete.`);
    }
    pendingClean = minutes;
    $('confirm-text').textContent = `${plural(deleted, 'ghost')} older than ${minutes} minutes. Delete them?`;
    $('confirm-delete').textContent = `Delete ${plural(deleted, 'ghost')}`;
    $('confirm').hidden = false;
  });
});

$('confirm-delete').addEventListener('click', () =>
  act($('confirm-delete'), async () => {
    const { deleted } = await api(`sessions/ghosts?older_than_minutes=${encodeURIComponent(pendingClean)}`, 'DELETE');
    $('confirm').hidden = true;
    toast(`Deleted ${plural(deleted, 'ghost session')}.`);
    await refresh();
  }),
);

$('confirm-cancel').addEventListener('click', () => ($('confirm').hidden = true));

function switchJob(job, action, button) {
  return act(button, async () => {
    const { active } = await api(`jobs/${encodeURIComponent(job)}/${action}`, 'POST');
    toast(`${job} ${active ? 'resumed' : 'paused'} (from its next minute).`);
    await refresh();
  });
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) clearTimeout(refreshTimer);
  else if (!$('dashboard').hidden) refresh();
});

$('forget-token').hidden = sessionStorage.getItem(TOKEN_KEY) === null;
refresh();
