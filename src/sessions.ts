import type pg from 'pg';
import { queryWithTimeouts } from './db.ts';
import type { CronJob, Message, NewMessage, NewSession, Session } from './schemas.ts';

/** What the HTTP routes need from the database; tests of the routes may pass a fake. */
export interface SessionStore {
  createSession(input: NewSession): Promise<Session>;
  findSession(id: string): Promise<Session | undefined>;
  /** undefined when the session does not exist (never did, or was purged before the message committed). */
  addMessage(sessionId: string, input: NewMessage): Promise<Message | undefined>;
  deleteGhostSessions(olderThanMinutes: number): Promise<number>;
  /** Resolves when the database answers a query, rejects otherwise. */
  ping(): Promise<void>;
  /** Our pg_cron jobs (the session_sweeper_jobs view); undefined where pg_cron runs in another database. */
  listJobs(): Promise<CronJob[] | undefined>;
  /** The session_sweeper_stats view, and the purge audit rows after `afterAuditId`, summed, for /metrics. */
  readPurgeStats(afterAuditId: number): Promise<PurgeStats>;
}

export type PurgeStats = {
  ghostsPending: number;
  /** null when there is no ghost at all */
  oldestGhostAgeSeconds: number | null;
  purgeLagSeconds: number;
  /** Audit rows with id > afterAuditId, grouped; lastAuditId is the highest id seen (afterAuditId if none). */
  audit: { kind: string; source: string; dry_run: boolean; purges: number; deleted: number }[];
  lastAuditId: number;
};

function toSession(row: Record<string, unknown>): Session {
  return {
    id: row.id as string,
    agent_id: row.agent_id as string,
    title: row.title as string | null,
    message_count: row.message_count as number,
    created_at: (row.created_at as Date).toISOString(),
    updated_at: (row.updated_at as Date).toISOString(),
  };
}

export function createSessionStore(pool: pg.Pool): SessionStore {
  const query = queryWithTimeouts(pool);
  return {
    async createSession({ agent_id, title }) {
      const { rows } = await query('select * from session_sweeper.create_session($1, $2)', [agent_id, title ?? null]);
      return toSession(rows[0]);
    },

    async findSession(id) {
      const { rows } = await query('select * from session_sweeper.find_session($1)', [id]);
      return rows[0] && toSession(rows[0]);
    },

    async addMessage(sessionId, { role, content }) {
      // No foreign-key error when the session is gone (see the function), which matters because a query that
      // fails costs the pool its connection (see queryWithTimeouts).
      const { rows } = await query(
        'select * from session_sweeper.add_session_message($1, $2, $3)',
        [sessionId, role, content],
      );
      const row = rows[0];
      // Our own messages table numbers its rows; Aria's uses UUIDs.
      const id = /^\d+$/.test(row?.id) ? Number(row.id) : row?.id;
      return row && { ...row, id, created_at: row.created_at.toISOString() };
    },

    async deleteGhostSessions(olderThanMinutes) {
      const { rows } = await query('select session_sweeper.delete_ghost_sessions($1) as deleted', [olderThanMinutes]);
      return rows[0].deleted;
    },

    async ping() {
      await query('select 1');
    },

    async listJobs() {
      // Checked first: a failing query would cost the pool its connection (see addMessage).
      const { rows: view } = await query(`select to_regclass('session_sweeper.session_sweeper_jobs') is not null as installed`);
      if (!view[0].installed) return undefined;
      const { rows } = await query(
        `select job, schedule, command, active, last_status, last_run_at, extract(epoch from last_duration)::float8 as last_duration_seconds,
                last_success_at, next_run_at, next_due
         from session_sweeper.session_sweeper_jobs`,
      );
      const iso = (value: Date | null) => value && value.toISOString();
      return rows.map((row) => ({
        ...row,
        last_run_at: iso(row.last_run_at),
        last_success_at: iso(row.last_success_at),
        next_run_at: iso(row.next_run_at),
      }));
    },

    async readPurgeStats(afterAuditId) {
      const { rows } = await query(
        `select s.ghosts_pending::int as ghosts_pending,
                extract(epoch from s.oldest_ghost_age)::float8 as oldest_ghost_age_seconds,
                extract(epoch from s.purge_lag)::float8 as purge_lag_seconds,
                (select coalesce(json_agg(a), '[]') from (
                   select kind, source, dry_run, count(*)::int as purges, sum(deleted)::int as deleted
                   from session_sweeper.session_purge_log where id > $1 group by kind, source, dry_run) a) as audit,
                (select coalesce(max(id), $1)::float8 from session_sweeper.session_purge_log where id > $1) as last_audit_id
         from session_sweeper.session_sweeper_stats s`,
        [afterAuditId],
      );
      const row = rows[0];
      return {
        ghostsPending: row.ghosts_pending,
        oldestGhostAgeSeconds: row.oldest_ghost_age_seconds,
        purgeLagSeconds: row.purge_lag_seconds ?? 0,
        audit: row.audit,
        lastAuditId: row.last_audit_id,
      };
    },
  };
}
