import type pg from 'pg';
import type { Message, NewMessage, NewSession, Session } from './schemas.ts';

/** What the HTTP routes need from the database; tests of the routes may pass a fake. */
export interface SessionStore {
  createSession(input: NewSession): Promise<Session>;
  findSession(id: string): Promise<Session | undefined>;
  /** undefined when the session does not exist (never did, or was purged before the message committed). */
  addMessage(sessionId: string, input: NewMessage): Promise<Message | undefined>;
  deleteGhostSessions(olderThanMinutes: number): Promise<number>;
  /** Resolves when the database answers a query, rejects otherwise. */
  ping(): Promise<void>;
}

const sessionColumns = 'id, agent_id, title, message_count, created_at, updated_at';

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
  return {
    async createSession({ agent_id, title }) {
      const { rows } = await pool.query(
        `insert into engine_chat_sessions (agent_id, title) values ($1, $2) returning ${sessionColumns}`,
        [agent_id, title ?? null],
      );
      return toSession(rows[0]);
    },

    async findSession(id) {
      const { rows } = await pool.query(`select ${sessionColumns} from engine_chat_sessions where id = $1`, [id]);
      return rows[0] && toSession(rows[0]);
    },

    async addMessage(sessionId, { role, content }) {
      // No foreign-key error when the session is gone (see the function), which matters because pg's pool
      // drops the connection of any query that fails.
      const { rows } = await pool.query(
        'select id, session_id, role, content, created_at from add_session_message($1, $2, $3)',
        [sessionId, role, content],
      );
      const row = rows[0];
      return row && { ...row, id: Number(row.id), created_at: row.created_at.toISOString() };
    },

    async deleteGhostSessions(olderThanMinutes) {
      const { rows } = await pool.query('select delete_ghost_sessions($1) as deleted', [olderThanMinutes]);
      return rows[0].deleted;
    },

    async ping() {
      await pool.query('select 1');
    },
  };
}
