// Sessions and their messages, and the ghosts among them: what the sessions routes read and write.
import type { GhostCount, Message, NewMessage, NewSession, Session } from '../http/schemas.ts';
import type { Query } from './pool.ts';

export interface SessionQueries {
  createSession(input: NewSession): Promise<Session>;
  findSession(id: string): Promise<Session | undefined>;
  /** undefined when the session does not exist (never did, or was purged before the message committed). */
  addMessage(sessionId: string, input: NewMessage): Promise<Message | undefined>;
  /** With dryRun, counts only (the audit records it as a dry run). Answers the threshold it used too. */
  deleteGhostSessions(olderThanMinutes: number | undefined, dryRun?: boolean): Promise<{ deleted: number; olderThanMinutes: number }>;
  countGhostSessions(olderThanMinutes: number | undefined): Promise<GhostCount>;
  /** Resolves when the database answers a query, rejects otherwise. */
  ping(): Promise<void>;
}

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

export function createSessionQueries(query: Query): SessionQueries {
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
  };
}
