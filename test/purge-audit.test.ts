import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { databaseUrl, insertSession, useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
const app = useApp();
const DAY = 60 * 24;

/** A connection that introduces itself as psql does, as a DBA's session would. */
async function asPsql<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl(), application_name: 'psql' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const auditRows = async () =>
  (
    await db.query(
      `select kind, threshold::text, dry_run, deleted, source, finished_at >= ran_at as ordered, duration = finished_at - ran_at as timed
       from session_sweeper.session_purge_log order by id`,
    )
  ).rows;

describe('session_purge_log', () => {
  it('records every purge with its kind, threshold, dry run, count and source', async () => {
    for (let i = 0; i < 3; i++) await insertSession(db, { idleMinutes: 30 });
    await insertSession(db, { idleMinutes: 40 * DAY, messages: 1 });

    const response = await app.request('/api/engine/sessions/ghosts?older_than_minutes=20', { method: 'DELETE' });
    expect(await response.json()).toEqual({ deleted: 3, status: 'ok' });
    await asPsql(async (psql) => {
      await psql.query('select session_sweeper.prune_old_sessions(30, dry_run => true)');
      await psql.query('select session_sweeper.prune_old_sessions(30)');
      await psql.query('select session_sweeper.delete_ghost_sessions(15)');
    });

    expect(await auditRows()).toEqual([
      { kind: 'ghost', threshold: '00:20:00', dry_run: false, deleted: 3, source: 'session-sweeper', ordered: true, timed: true },
      { kind: 'prune', threshold: '30 days', dry_run: true, deleted: 1, source: 'psql', ordered: true, timed: true },
      { kind: 'prune', threshold: '30 days', dry_run: false, deleted: 1, source: 'psql', ordered: true, timed: true },
      { kind: 'ghost', threshold: '00:15:00', dry_run: false, deleted: 0, source: 'psql', ordered: true, timed: true },
    ]);
  });

  it('is written in the purge transaction: a rolled-back purge leaves no audit row and no deletion', async () => {
    await insertSession(db, { idleMinutes: 30 });
    const client = await db.connect();
    try {
      await client.query('begin');
      await client.query('select session_sweeper.delete_ghost_sessions(15)');
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await auditRows()).toEqual([]);
    expect((await db.query('select count(*)::int as n from engine_chat_sessions')).rows[0].n).toBe(1);
  });

  it('keeps 30 days, trimmed by the daily session_sweeper.cron-history-cleanup job', async () => {
    await db.query(
      `insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source)
       select t, t, 'ghost', interval '15 minutes', false, 1, 'pg_cron'
       from unnest(array[now() - interval '31 days', now() - interval '29 days']) as t`,
    );
    await db.query('select session_sweeper.delete_old_cron_history(7)');
    const { rows } = await db.query(`select (now() - finished_at) < interval '30 days' as recent from session_sweeper.session_purge_log`);
    expect(rows).toEqual([{ recent: true }]);
  });
});

describe('session_sweeper_stats', () => {
  it('answers ghosts pending, oldest ghost, deletions in the last hour and day, and the last purge', async () => {
    await db.query(
      `insert into session_sweeper.session_purge_log (ran_at, finished_at, kind, threshold, dry_run, deleted, source) values
         (now() - interval '3 hours', now() - interval '3 hours', 'prune', '30 days', false, 7, 'pg_cron'),
         (now() - interval '2 days', now() - interval '2 days', 'ghost', '15 minutes', false, 100, 'pg_cron'),
         (now() - interval '10 minutes', now() - interval '10 minutes', 'prune', '30 days', true, 50, 'psql')`,
    );
    for (let i = 0; i < 2; i++) await insertSession(db, { idleMinutes: 20 });
    await insertSession(db, { idleMinutes: 18 });
    await insertSession(db, { idleMinutes: 30 });
    await db.query('select session_sweeper.delete_ghost_sessions(25)'); // deletes the 30-minute ghost: 1 row, now
    await insertSession(db, { idleMinutes: 10 });
    await insertSession(db, { idleMinutes: 60, messages: 1 });

    const { rows } = await db.query(
      `select ghosts_pending::int, round(extract(epoch from oldest_ghost_age) / 60)::int as oldest_minutes,
              round(extract(epoch from purge_lag) / 60)::int as lag_minutes, deleted_last_hour::int, deleted_last_day::int,
              now() - last_purge_at < interval '1 minute' as last_purge_recent, last_purge_kind, last_purge_deleted,
              last_purge_source
       from session_sweeper.session_sweeper_stats`,
    );
    expect(rows[0]).toEqual({
      ghosts_pending: 3,
      oldest_minutes: 20,
      lag_minutes: 5,
      deleted_last_hour: 1,
      deleted_last_day: 8,
      last_purge_recent: true,
      last_purge_kind: 'ghost',
      last_purge_deleted: 1,
      last_purge_source: 'unknown', // the test pool sets no application_name
    });
  });

  it('shows no lag and no oldest ghost when there is no ghost', async () => {
    await insertSession(db, { idleMinutes: 60, messages: 2 });
    const { rows } = await db.query('select ghosts_pending::int, oldest_ghost_age, purge_lag::text from session_sweeper.session_sweeper_stats');
    expect(rows[0]).toEqual({ ghosts_pending: 0, oldest_ghost_age: null, purge_lag: '00:00:00' });
  });
});
