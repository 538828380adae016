import type pg from 'pg';
import { queryWithTimeouts } from './pool.ts';
import type { CronJob, GhostCount, Message, NewMessage, NewSession, Purge, Session, Stats } from '../http/schemas.ts';

/** What the HTTP routes need from the database; tests of the routes may pass a fake. */
export interface SessionStore {
  createSession(input: NewSession): Promise<Session>;
  findSession(id: string): Promise<Session | undefined>;
  /** undefined when the session does not exist (never did, or was purged before the message committed). */
  addMessage(sessionId: string, input: NewMessage): Promise<Message | undefined>;
  /** With dryRun, counts only (the audit records it as a dry run). Answers the threshold it used too. */
  deleteGhostSessions(olderThanMinutes: number | undefined, dryRun?: boolean): Promise<{ deleted: number; olderThanMinutes: number }>;
  countGhostSessions(olderThanMinutes: number | undefined): Promise<GhostCount>;
  /** Resolves when the database answers a query, rejects otherwise. */
  ping(): Promise<void>;
  /** Our pg_cron jobs (the session_sweeper_jobs view); undefined where pg_cron runs in another database. */
  listJobs(): Promise<CronJob[] | undefined>;
  /** Pauses or resumes one of our jobs; undefined where pg_cron runs in another database. */
  setJobActive(job: string, active: boolean): Promise<{ job: string; active: boolean } | undefined>;
  /** The session_sweeper_stats view and the number of sessions, for the operator's page. */
  readStats(): Promise<Stats>;
  /** The purge audit, newest first: at most `limit` rows finished in the last `hours`. */
  listPurges(query: { limit: number; hours: number }): Promise<Purge[]>;
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

/** Parameter $1, or (NULL: not given) the ghost job's own threshold. */
const OR_GHOST_IDLE_MINUTES = 'coalesce($1::int, session_sweeper.ghost_idle_minutes())';

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

    async deleteGhostSessions(olderThanMinutes, dryRun = false) {
      const { rows } = await query(
        `select minutes as "olderThanMinutes", session_sweeper.delete_ghost_sessions(minutes, dry_run => $2) as deleted
         from ${OR_GHOST_IDLE_MINUTES} minutes`,
        [olderThanMinutes ?? null, dryRun],
      );
      return rows[0];
    },

    async countGhostSessions(olderThanMinutes) {
      const { rows } = await query(
        `select minutes as older_than_minutes, pending::int as ghosts, extract(epoch from oldest_age)::float8 as oldest_ghost_age_seconds
         from ${OR_GHOST_IDLE_MINUTES} minutes, session_sweeper.count_ghost_sessions(minutes)`,
        [olderThanMinutes ?? null],
      );
      return rows[0];
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

    async setJobActive(job, active) {
      // Checked first, as in listJobs.
      const { rows: installed } = await query(
        `select to_regproc('session_sweeper.session_sweeper_pause') is not null as installed`,
      );
      if (!installed[0].installed) return undefined;
      const { rows } = await query(
        `select jobname as job, active from session_sweeper.${active ? 'session_sweeper_resume' : 'session_sweeper_pause'}($1)`,
        [job],
      );
      return rows[0];
    },

    async readStats() {
      const { rows } = await query(
        `select ghosts_pending::int, extract(epoch from oldest_ghost_age)::float8 as oldest_ghost_age_seconds,
                extract(epoch from purge_lag)::float8 as purge_lag_seconds, deleted_last_hour::int, deleted_last_day::int,
                session_sweeper.count_sessions()::int as sessions_total,
                last_purge_at, last_purge_kind, last_purge_deleted, last_purge_source
         from session_sweeper.session_sweeper_stats`,
      );
      const row = rows[0];
      return { ...row, purge_lag_seconds: row.purge_lag_seconds ?? 0, last_purge_at: row.last_purge_at?.toISOString() ?? null };
    },

    async listPurges({ limit, hours }) {
      const { rows } = await query(
        `select id::float8 as id, ran_at, finished_at, kind, extract(epoch from threshold)::float8 as threshold_seconds, dry_run,
                deleted, extract(epoch from duration)::float8 as duration_seconds, source
         from session_sweeper.session_purge_log
         where finished_at > now() - make_interval(hours => $2)
         order by finished_at desc, id desc
         limit $1`,
        [limit, hours],
      );
      return rows.map((row) => ({ ...row, ran_at: row.ran_at.toISOString(), finished_at: row.finished_at.toISOString() }));
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
