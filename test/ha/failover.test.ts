// npm run test:ha: a real Patroni failover under load (see docs/high-availability.md). Not part of `npm test`:
// it installs Patroni, etcd and HAProxy when missing and waits for pg_cron's minute boundaries (1.5 to 3 minutes).
import { readFileSync, statSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/schema/migrate.ts';
import { endPool, insertSession } from '../helpers/db.ts';
import { type HaCluster, type Member, type MemberState, startHaCluster, waitFor } from '../helpers/ha-cluster.ts';
import { type Service, startService } from '../helpers/service.ts';

/** Any request taking longer than this counts as hung. */
const REQUEST_TIMEOUT_MS = 5_000;
const LOAD_WORKERS = 4;
const MAX_REQUESTS = 20_000;
const MAX_OUTAGE_MS = 60_000;
const MAX_REJOIN_MS = 180_000;
/** The bound: a ghost backdated 20 minutes is gone within 2 minutes of the promotion. */
const GHOST_GONE_WITHIN_MS = 120_000;
const JOB = 'session_sweeper.ghost-sessions-purge';
/** pg_cron's log line for each job it starts (cron.log_run is on by default). */
const JOB_STARTS = /cron job \d+ starting/g;

type Outcome = {
  path: string;
  status: number | 'timeout' | 'error';
  body: string;
  retryAfter?: string | null;
  startedAt: number;
  endedAt: number;
};

const log = (message: string) => console.log(`[test:ha] ${message}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

let cluster: HaCluster | undefined;
let service: Service | undefined;
let db: pg.Pool | undefined;
afterAll(async () => {
  service?.kill('SIGKILL');
  await endPool(db);
  await cluster?.stop();
});

// Shared by the steps below, in order.
let oldLeader: Member;
let newLeader: Member;
let killedAt: number;
/** Where each member's log stood at the kill. */
let logOffsets: Map<Member, number>;
let promotedAt: number;
/** When Patroni reported the old leader back as a running replica. */
let rejoined: Promise<number>;

describe('Patroni failover', () => {
  // The cluster's logs go with its temporary directory: show their ends when something fails.
  beforeEach(({ onTestFailed }) => onTestFailed(() => log(cluster!.logTails())));

  beforeAll(async () => {
    cluster = await startHaCluster(log);
    await migrate({ databaseUrl: cluster.url, direction: 'up', log });
    // The real service, connected through HAProxy as in production.
    service = await startService({ DATABASE_URL: cluster.url });
    db = new pg.Pool({ connectionString: cluster.url, max: 2, connectionTimeoutMillis: 1000 });
  }, 600_000);

  it('answers 503 JSON while the leader is gone and 2xx after the promotion, and loses no acknowledged write', async () => {
    const { baseUrl } = service!;
    let restarted = false;
    void service!.exited.then(() => (restarted = true));

    const outcomes: Outcome[] = [];
    const post = async (path: string, body: object) => {
      const startedAt = Date.now();
      let outcome: Outcome;
      try {
        const response = await fetch(baseUrl + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const retryAfter = response.headers.get('retry-after');
        outcome = {
          path,
          status: response.status,
          body: await response.text(),
          retryAfter,
          startedAt,
          endedAt: Date.now(),
        };
      } catch (error) {
        const status = (error as Error).name === 'TimeoutError' ? 'timeout' : 'error';
        outcome = { path, status, body: String(error), startedAt, endedAt: Date.now() };
      }
      outcomes.push(outcome);
      return outcome;
    };
    const acknowledgedSessions: string[] = [];
    const acknowledgedMessages: number[] = [];
    let loading = true;
    const worker = async () => {
      while (loading && outcomes.length < MAX_REQUESTS) {
        const session = await post('/api/engine/sessions', { agent_id: 'ha', title: 'failover' });
        if (session.status === 201) {
          const { id } = JSON.parse(session.body);
          acknowledgedSessions.push(id);
          const message = await post(`/api/engine/sessions/${id}/messages`, { role: 'user', content: 'first' });
          if (message.status === 201) acknowledgedMessages.push(JSON.parse(message.body).id);
        }
        await sleep(10);
      }
    };
    const load = Promise.all(Array.from({ length: LOAD_WORKERS }, worker));

    await sleep(2000);
    [oldLeader, newLeader] = (await cluster!.isPrimary(cluster!.members[0]))
      ? cluster!.members
      : [...cluster!.members].reverse();
    logOffsets = new Map(cluster!.members.map((m) => [m, statSync(m.logFile).size]));
    killedAt = Date.now();
    cluster!.killPostgres(oldLeader);
    await waitFor(`Patroni to promote ${newLeader.name}`, () => cluster!.isPrimary(newLeader), MAX_OUTAGE_MS);
    promotedAt = Date.now();
    const isReplica = (m: MemberState) => ['replica', 'sync_standby'].includes(m.role) && m.state === 'running';
    rejoined = waitFor(
      `${oldLeader.name} to rejoin as a replica`,
      async () => (await cluster!.clusterState(newLeader)).some((m) => m.name === oldLeader.name && isReplica(m)),
      MAX_REJOIN_MS,
    ).then(() => Date.now());
    rejoined.catch(() => {}); // awaited by the last step
    const recovered = () => outcomes.find((o) => o.startedAt >= killedAt && o.status === 201);
    await waitFor('the API to answer 201 again', async () => Boolean(recovered()), MAX_OUTAGE_MS);
    await sleep(3000);
    loading = false;
    await load;

    const recoveredAt = recovered()!.endedAt;
    const before = outcomes.filter((o) => o.endedAt < killedAt);
    const during = outcomes.filter((o) => o.startedAt >= killedAt && o.endedAt < recoveredAt);
    const after = outcomes.filter((o) => o.startedAt >= recoveredAt);
    const slowest = Math.max(...during.map((o) => o.endedAt - o.startedAt));
    log(
      `leader ${oldLeader.name} killed (SIGKILL to its postmaster); Patroni promoted ${newLeader.name} after ` +
        `${seconds(promotedAt - killedAt)}; the API answered 201 again ${seconds(recoveredAt - killedAt)} after the kill`,
    );
    log(
      `${outcomes.length} requests: ${before.length} before the kill, ${during.length} during the outage ` +
        `(${during.filter((o) => o.status === 503).length} answered 503, slowest ${slowest} ms), ${after.length} after; ` +
        `${acknowledgedSessions.length} sessions and ${acknowledgedMessages.length} messages acknowledged`,
    );

    // Nothing but 201 or 503 at any time: no 500, no hung request, and the service never restarted.
    expect(outcomes.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    expect(restarted).toBe(false);
    expect(service!.logs.filter((line) => line.msg.startsWith('listening on '))).toHaveLength(1);
    expect(before.length).toBeGreaterThan(20);
    expect(before.filter((o) => o.status !== 201)).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    for (const outcome of during) {
      expect(outcome.status).toBe(503);
      expect(JSON.parse(outcome.body)).toMatchObject({ status: 'error', error: expect.stringContaining('database') });
      expect(outcome.retryAfter).toBe('1');
    }
    expect(after.length).toBeGreaterThan(20);
    expect(after.filter((o) => o.status !== 201)).toEqual([]);

    // Synchronous replication: every write the API acknowledged is on the new leader.
    const { rows } = await db!.query(
      `select (select count(*)::int from engine_chat_sessions where id = any($1)) as sessions,
              (select count(*)::int from engine_chat_messages where id = any($2)) as messages`,
      [acknowledgedSessions, acknowledgedMessages],
    );
    expect(rows[0]).toEqual({ sessions: acknowledgedSessions.length, messages: acknowledgedMessages.length });
  }, 180_000);

  it(`runs ${JOB} on the new leader at its next minute`, async () => {
    const ghost = await insertSession(db!, { idleMinutes: 20 });
    const ghostExists = async () =>
      (await db!.query('select from engine_chat_sessions where id = $1', [ghost])).rowCount === 1;
    await waitFor(
      'the ghost to be purged',
      async () => !(await ghostExists()),
      promotedAt + GHOST_GONE_WITHIN_MS - Date.now(),
    );
    const goneAt = Date.now();

    // Written by the new leader: the old one was down or a read-only replica ever since. The procedure commits its
    // deletions before it returns, so the run may still be marked running for a moment.
    const runsSincePromotion = async () =>
      (
        await db!.query(
          `select d.start_time, d.status from cron.job_run_details d join cron.job j using (jobid)
           where j.jobname = $1 and d.start_time >= $2 order by d.start_time`,
          [JOB, new Date(promotedAt)],
        )
      ).rows;
    await waitFor(
      `the first ${JOB} run to finish`,
      async () => (await runsSincePromotion())[0]?.status !== 'running',
      10_000,
    );
    const runs = await runsSincePromotion();
    const nextMinute = Math.ceil(promotedAt / 60_000) * 60_000;
    log(
      `${JOB} first ran on ${newLeader.name} ${seconds(runs[0].start_time.getTime() - promotedAt)} after the ` +
        `promotion (${runs[0].status}); the ghost backdated 20 minutes was gone ${seconds(goneAt - promotedAt)} after it`,
    );
    expect(runs[0].status).toBe('succeeded');
    // At the first minute boundary after the promotion (pg_cron starts its jobs within a second of it).
    expect(runs[0].start_time.getTime()).toBeGreaterThanOrEqual(nextMinute);
    expect(runs[0].start_time.getTime()).toBeLessThan(nextMinute + 5_000);
    expect(goneAt - promotedAt).toBeLessThan(GHOST_GONE_WITHIN_MS);
  }, 180_000);

  it('runs no job on the old leader once it has rejoined as a replica', async () => {
    const rejoinedAt = await rejoined;
    const standby = new pg.Client({ connectionString: oldLeader.url });
    await standby.connect();
    expect((await standby.query('select pg_is_in_recovery() as standby')).rows[0].standby).toBe(true);
    await standby.end();

    // The first minute boundary after the rejoin: the job ran on the new leader, and nothing started on the old one.
    const boundary = Math.ceil(rejoinedAt / 60_000) * 60_000;
    await sleep(boundary + 5_000 - Date.now());
    const { rows } = await db!.query(
      `select count(*)::int as runs from cron.job_run_details d join cron.job j using (jobid)
       where j.jobname = $1 and d.start_time >= $2 and d.start_time < $3 and d.status = 'succeeded'`,
      [JOB, new Date(boundary), new Date(boundary + 60_000)],
    );
    const jobStartsSinceKill = (member: Member) =>
      readFileSync(member.logFile).subarray(logOffsets.get(member)).toString().match(JOB_STARTS)?.length ?? 0;
    log(
      `${oldLeader.name} rejoined as a replica ${seconds(rejoinedAt - killedAt)} after the kill; since the kill ` +
        `pg_cron started ${jobStartsSinceKill(newLeader)} job(s) on ${newLeader.name} and ` +
        `${jobStartsSinceKill(oldLeader)} on ${oldLeader.name}; ${JOB} ran ${rows[0].runs} time(s) on ${newLeader.name} at the first minute after the rejoin`,
    );
    expect(rows[0].runs).toBe(1);
    // The same log check finds the jobs on the new leader: it would find any on the old one.
    expect(jobStartsSinceKill(newLeader)).toBeGreaterThanOrEqual(1);
    expect(jobStartsSinceKill(oldLeader)).toBe(0);
  }, 180_000);
});
