// Bench data, built set-wise with generate_series (one statement per table), never row by row.
import type pg from 'pg';

export const GHOST_MINUTES = 15;

/**
 * Empties the tables and fills them with `sessions` sessions: 1% young ghosts (idle under a minute: not
 * eligible, but present in the ghost index as in production) and the rest with one message each, last active
 * within 29 days (so the 30-day prune has nothing to do either).
 */
export async function buildSessions(db: pg.ClientBase, sessions: number) {
  await db.query('truncate engine_chat_sessions, engine_chat_messages');
  // Bulk-load settings for this session only: no triggers or foreign-key checks (message_count is set
  // directly and consistently), no wait for WAL flush per statement.
  await db.query(`set session_replication_role = replica; set synchronous_commit = off; set maintenance_work_mem = '256MB'`);
  await db.query(
    `insert into engine_chat_sessions (agent_id, title, message_count, created_at, updated_at)
     select 'agent-' || (i % 50), 'bench',
            case when young_ghost then 0 else 1 end,
            case when young_ghost then t else t - interval '1 hour' end,
            t
     from (
       select i, i % 100 = 0 as young_ghost,
              case when i % 100 = 0 then now() - random() * interval '1 minute'
                   else now() - interval '1 hour' - random() * interval '29 days' end as t
       from generate_series(1, $1) as i
     ) as g`,
    [sessions],
  );
  await db.query(
    `insert into engine_chat_messages (session_id, role, content, created_at)
     select id, 'user', 'hello', updated_at from engine_chat_sessions where message_count = 1`,
  );
  await db.query('reset session_replication_role; reset synchronous_commit; reset maintenance_work_mem');
  // Timed runs follow, and ghost backlogs are vacuumed away between them by hand.
  await db.query('alter table engine_chat_sessions set (autovacuum_enabled = false)');
  await db.query('alter table engine_chat_messages set (autovacuum_enabled = false)');
  await settle(db);
}

/** Adds `count` ghosts idle between one hour and ten days: all eligible for the purge. */
export async function addGhosts(db: pg.ClientBase, count: number) {
  await db.query(
    `insert into engine_chat_sessions (agent_id, title, created_at, updated_at)
     select 'agent-' || (i % 50), 'ghost', t, t
     from (select i, now() - interval '1 hour' - random() * interval '10 days' as t from generate_series(1, $1) as i) as g`,
    [count],
  );
  await settle(db);
}

/** Same starting point for every timed run: dead rows vacuumed, statistics fresh, dirty pages written. */
export async function settle(db: pg.ClientBase) {
  await db.query('vacuum analyze engine_chat_sessions, engine_chat_messages');
  await db.query('checkpoint');
}

/** The ghosts the purge would delete now, as the statement the original plan had: one DELETE, indexed. */
export const SINGLE_DELETE = `delete from engine_chat_sessions where message_count = 0 and updated_at < now() - interval '${GHOST_MINUTES} minutes'`;
/** The original plan's query, run without our indexes: a full scan on every run. */
export const NAIVE_DELETE = `delete from engine_chat_sessions where message_count = 0 and created_at < now() - interval '${GHOST_MINUTES} minutes'`;
export const OUR_INDEXES = ['session_sweeper_ghosts_idx', 'session_sweeper_updated_at_idx'];
