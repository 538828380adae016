// Item: first messages racing the ghost purge (HTTP and pg_cron-style SQL) never lose a message or a session,
// in one process and across three replicas of the service, all through PgBouncer in transaction mode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapConcurrently } from '../helpers/concurrency.ts';
import { databaseUrl, pooledDatabaseUrl, useApp, useDatabase } from '../helpers/db.ts';
import { parsePrometheus } from '../helpers/prometheus.ts';
import { type Service, startService } from '../helpers/service.ts';

const db = useDatabase();
const app = useApp();
const json = { 'content-type': 'application/json' };

type Outcome = { id: string; status: number };
/** One way in to the API: the app in this process, or a replica over HTTP. */
type Api = (path: string, init?: RequestInit) => Promise<Response>;
const inProcess: Api = (path, init) => Promise.resolve(app.request(path, init));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` while an HTTP purge through each of `purgers` and one direct SQL purge (as pg_cron runs it) loop
 * with `threshold()`, `pauseMs` apart, then checks what must hold whoever won each race, and returns the outcomes.
 */
async function raceAgainstPurges(
  purgers: Api[],
  threshold: () => number,
  pauseMs: number,
  work: () => Promise<Outcome[]>,
) {
  let racing = true;
  let deleted = 0;
  const httpPurges = async (api: Api) => {
    while (racing) {
      const response = await api(`/api/engine/sessions/ghosts?older_than_minutes=${threshold()}`, {
        method: 'DELETE',
      });
      expect(response.status).toBe(200);
      const { deleted: count } = await response.json();
      deleted += count; // not `deleted += await …`, which would read `deleted` before the await
      await sleep(pauseMs);
    }
  };
  const sqlPurges = async () => {
    while (racing) {
      const { rows } = await db.query('select session_sweeper.delete_ghost_sessions($1) as n', [threshold()]);
      deleted += rows[0].n;
      await sleep(pauseMs);
    }
  };
  const purging = Promise.all([...purgers.map(httpPurges), sqlPurges()]);
  const outcomes = await work().finally(() => (racing = false));
  await purging;

  expect(outcomes.filter((o) => o.status !== 201 && o.status !== 404)).toEqual([]);
  const accepted = outcomes
    .filter((o) => o.status === 201)
    .map((o) => o.id)
    .sort();
  const refused = outcomes.length - accepted.length;
  // The race really happened: some posts beat the purge and some lost to it.
  expect(accepted.length).toBeGreaterThan(0);
  expect(refused).toBeGreaterThan(0);

  // Every session got its first message attempt: those that took it survive, the others were purged, and each
  // purged session is exactly one refused message. No session with a message was deleted.
  const surviving = await db.query('select id from engine_chat_sessions order by id');
  expect(surviving.rows.map((r) => r.id)).toEqual(accepted);
  expect(deleted).toBe(refused);
  const { rows: check } = await db.query(`
    select
      (select count(*)::int from engine_chat_messages m
        where not exists (select from engine_chat_sessions s where s.id = m.session_id)) as orphans,
      (select count(*)::int from engine_chat_messages) as messages,
      (select count(*)::int from engine_chat_sessions s
        where message_count <> (select count(*) from engine_chat_messages m where m.session_id = s.id)) as miscounted`);
  expect(check[0]).toEqual({ orphans: 0, messages: accepted.length, miscounted: 0 });
  return { accepted: accepted.length, refused };
}

const postFirstMessage = async (id: string, api = inProcess): Promise<Outcome> => {
  const response = await api(`/api/engine/sessions/${id}/messages`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ role: 'user', content: `first message of ${id}` }),
  });
  return { id, status: response.status };
};

/** Creates a session through `creator`, then posts its first message through `poster`. */
const createThenPost = async (creator: Api, poster: Api): Promise<Outcome> => {
  const created = await creator('/api/engine/sessions', {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ agent_id: 'race' }),
  });
  expect(created.status).toBe(201);
  return postFirstMessage((await created.json()).id, poster);
};

describe('first messages racing the purge', () => {
  it('at scale: 5,000 sessions created and given their first message while purges of 0 minutes loop', async () => {
    const SESSIONS = 5_000;
    const started = Date.now();
    // Purges 40 ms apart: back to back, one always runs between a creation and its first message, and always wins.
    const result = await raceAgainstPurges(
      [inProcess, inProcess],
      () => 0,
      40,
      () => mapConcurrently(Array.from({ length: SESSIONS }), 8, () => createThenPost(inProcess, inProcess)),
    );
    console.log(
      `[race] ${SESSIONS} sessions: ${result.accepted} first messages committed, ${result.refused} refused with 404 ` +
        `(session purged first), 0 orphans, 0 miscounted, in ${Date.now() - started} ms`,
    );
  }, 120_000);

  it('idle ghosts posted to while the purge threshold sweeps from 30 minutes to 0', async () => {
    // Ghosts idle from 0.5 to 29.5 minutes, posted to in random order while the threshold falls: every session
    // is raced at some point, and both sides win some.
    const { rows } = await db.query(
      `insert into engine_chat_sessions (agent_id, updated_at)
       select 'race', now() - make_interval(mins => i % 30, secs => 30) from generate_series(1, 600) as i
       returning id`,
    );
    const ids: string[] = rows.map((r) => r.id).sort(() => Math.random() - 0.5);
    const started = Date.now();
    await raceAgainstPurges(
      [inProcess, inProcess],
      () => Math.max(0, 30 - Math.floor((Date.now() - started) / 20)),
      0,
      () => mapConcurrently(ids, 16, (id) => postFirstMessage(id)),
    );
  });
});

describe('three replicas of the service on one database', () => {
  const REPLICAS = 3;
  let replicas: Service[] = [];
  const apis = () =>
    replicas.map(
      (replica): Api =>
        (path, init) =>
          fetch(replica.baseUrl + path, init),
    );

  beforeAll(async () => {
    // Real processes, as deployed: the pool through PgBouncer, the start-up migration straight to PostgreSQL.
    const env = { DATABASE_URL: pooledDatabaseUrl(), MIGRATION_DATABASE_URL: databaseUrl() };
    replicas = await Promise.all(Array.from({ length: REPLICAS }, () => startService(env)));
  }, 60_000);

  afterAll(async () => {
    for (const replica of replicas) replica.kill('SIGTERM');
    expect(await Promise.all(replicas.map((replica) => replica.exited))).toEqual(replicas.map(() => 0));
  });

  /** Purge counters of one replica's /metrics, keyed as printed. */
  const purgeCounters = async (api: Api) => {
    const response = await api('/metrics');
    expect(response.status).toBe(200);
    const samples = parsePrometheus(await response.text());
    return new Map([...samples].filter(([key]) => key.startsWith('session_sweeper_purge')));
  };

  it('sessions created on one replica get their first message through the next while every replica purges; /metrics of each agrees with the audit', async () => {
    const SESSIONS = 1_000;
    const before = await Promise.all(apis().map(purgeCounters));
    let next = 0;
    // Four purgers 120 ms apart: about the pace of the three 40 ms apart above.
    const result = await raceAgainstPurges(
      apis(),
      () => 0,
      120,
      () =>
        mapConcurrently(Array.from({ length: SESSIONS }), 8, () => {
          const i = next++;
          return createThenPost(apis()[i % REPLICAS], apis()[(i + 1) % REPLICAS]);
        }),
    );

    // The audit, as each replica's counters must show it: calls and deleted rows by kind and source.
    const { rows: audit } = await db.query(`
      select kind, source, dry_run, count(*)::int as purges, sum(deleted)::int as deleted
      from session_sweeper.session_purge_log group by kind, source, dry_run`);
    expect(audit.reduce((sum, row) => sum + row.deleted, 0)).toBe(result.refused);
    expect(audit.some((row) => row.source === 'session-sweeper')).toBe(true);
    const after = await Promise.all(apis().map(purgeCounters));
    for (const [i, counters] of after.entries()) {
      const added = (key: string) => (counters.get(key) ?? 0) - (before[i].get(key) ?? 0);
      for (const { kind, source, dry_run, purges, deleted } of audit) {
        expect(added(`session_sweeper_purges_total{kind="${kind}",source="${source}",dry_run="${dry_run}"}`)).toBe(
          purges,
        );
        expect(added(`session_sweeper_purged_rows_total{kind="${kind}",source="${source}"}`)).toBe(deleted);
      }
    }
    console.log(
      `[race] ${REPLICAS} replicas, ${SESSIONS} sessions: ${result.accepted} first messages committed, ` +
        `${result.refused} refused with 404; /metrics of each replica agrees with session_purge_log`,
    );
  }, 120_000);
});
