// Bench data on Aria's own tables (test/fixtures/aria-schema.sql, public.engine_chat_* with Aria's indexes and archive
// tables), built set-wise: one INSERT … SELECT generate_series per call, writing sessions and their messages together.
import type pg from 'pg';
import { migrate } from '../src/schema/migrate.ts';
import { ARIA_LAYOUTS, ariaSchemaSql } from '../test/helpers/aria.ts';

/** The ghost threshold, as SQL: the product's own (the bench keeps no copy of the 15). */
export const GHOST_MINUTES = 'session_sweeper.ghost_idle_minutes()';
export const TABLES = ARIA_LAYOUTS.older;
const { sessions: S, messages: M } = TABLES;

/**
 * Aria's tables with session-sweeper migrated onto them (the table settings pointing there), the scheduled jobs
 * paused: the bench runs the purges itself, at chosen moments.
 */
export async function installOnAriaTables(db: pg.ClientBase, databaseUrl: string, log: (message: string) => void) {
  await createAriaTables(db);
  await migrate({ databaseUrl, direction: 'up', tables: TABLES, log });
  await db.query('select cron.alter_job(jobid, active => false) from cron.job');
}

/** Aria's tables and archive tables, and a pool of random texts (2–4 kB) the rows take their widths from. */
async function createAriaTables(db: pg.ClientBase) {
  await db.query(await ariaSchemaSql('older'));
  // Stored plain (never compressed or out of line): every message reads a slice of one.
  await db.query(`create schema bench;
    create table bench.texts (n int primary key, t text);
    alter table bench.texts alter column t set storage plain;
    insert into bench.texts
      select n, (select string_agg(md5(random()::text || n || j), ' ') from generate_series(1, 60 + (n * 7) % 60) as j)
      from generate_series(0, 63) as n`);
}

type Kind = 'conversation' | 'swarm' | 'young_ghost' | 'ghost' | 'stale';
/**
 * Inserts `count` sessions of one kind, with their messages, in one statement. Widths as in Aria: a title, a system
 * prompt of 2–4 kB, JSONB metadata; messages of 100–700 characters, every fourth assistant turn with JSONB tool calls.
 * - conversation: 1–39 messages (20 on average), message_count right, idle 1 hour to 29 days (the prune skips them);
 * - swarm: 2–10 messages that never bumped message_count (0 or NULL, as Aria's swarm path writes them), same ages;
 * - young_ghost: no message, count 0 or NULL, idle under a minute (not eligible yet, but in the ghost index);
 * - ghost: no message, count 0 or NULL, idle 1 hour to 10 days (eligible);
 * - stale: a conversation idle 31 to 60 days (the 30-day prune archives and deletes it).
 */
export async function insertSessions(db: pg.ClientBase, kind: Kind, count: number) {
  // Messages of sessions inserted in the same statement: the foreign-key trigger (a lookup and a row lock per
  // message) is skipped for the load, for this session only.
  await db.query(`set session_replication_role = replica; set work_mem = '256MB'; set jit = off`);
  const idle = {
    conversation: `interval '1 hour' + random() * interval '29 days'`,
    swarm: `interval '1 hour' + random() * interval '29 days'`,
    young_ghost: `random() * interval '1 minute'`,
    ghost: `interval '1 hour' + random() * interval '10 days'`,
    stale: `interval '31 days' + random() * interval '29 days'`,
  }[kind];
  const turns =
    { conversation: '1 + (random() * 38)::int', stale: '1 + (random() * 38)::int', swarm: '2 + (random() * 8)::int' }[
      kind as string
    ] ?? '0';
  const counted = kind === 'conversation' || kind === 'stale' ? 'turns' : 'case when i % 2 = 0 then 0 end';
  await db.query(
    `with g as (
       select i, ${turns} as turns, now() - (${idle}) as t from generate_series(1, $1::int) as i
     ), s as (
       insert into ${S} (id, agent_id, session_type, title, system_prompt, model, status, message_count,
                         total_tokens, metadata, created_at, updated_at)
       select gen_random_uuid(), 'agent-' || (i % 50), case when i % 5 = 0 then 'scoped' else 'interactive' end,
              'Conversation ' || i || ' about ' || left(p.t, 40), p.t, 'qwen3-coder', 'active', ${counted},
              turns * 180,
              jsonb_build_object('channel', 'web', 'client', 'aria-ui', 'bench', '${kind}', 'turns', turns,
                                 'tags', jsonb_build_array('t' || (i % 7), 't' || (i % 11))),
              g.t - interval '${kind === 'young_ghost' ? 0 : 10} minutes', g.t
       from g join bench.texts p on p.n = g.i % 64
       returning id, created_at, updated_at, (metadata ->> 'turns')::int as turns
     )
     insert into ${M} (id, session_id, agent_id, role, content, tool_calls, model, tokens_input, tokens_output,
                       metadata, created_at)
     select gen_random_uuid(), s.id, 'aria', case when j % 2 = 1 then 'user' else 'assistant' end,
            substr(p.t, 1 + (j * 13) % 1000, 100 + (j * 37) % 600),
            case when j % 8 = 0 then jsonb_build_array(jsonb_build_object('id', 'call_' || j, 'type', 'function',
              'function', jsonb_build_object('name', 'web_search', 'arguments', jsonb_build_object('query', left(p.t, 80)))))
            end,
            'qwen3-coder', 90, 90, '{}', s.created_at + (s.updated_at - s.created_at) * j / s.turns
     from s cross join lateral generate_series(1, s.turns) as j
       join bench.texts p on p.n = j % 64`,
    [count],
  );
  await db.query('reset session_replication_role; reset work_mem; reset jit');
}

/**
 * Empties the tables and fills them with `sessions` sessions: 1% young ghosts (not eligible, but in the ghost index
 * as in production), 1% swarm sessions (messages, count 0 or NULL) and 98% conversations. Aria's non-unique indexes
 * (and our ghost index) are dropped for the load and built again after it: that is what makes the load fit.
 */
export async function buildSessions(db: pg.ClientBase, sessions: number) {
  await db.query(`truncate ${S}, ${M}`);
  await db.query(
    `set synchronous_commit = off; set maintenance_work_mem = '1GB'; set max_parallel_maintenance_workers = 1`,
  );
  const { rows: indexes } = await db.query(
    `select format('%I.%I', schemaname, indexname) as name, indexdef from pg_indexes i
     where format('%I.%I', schemaname, tablename) = any($1)
       and not exists (select from pg_constraint c where c.conname = i.indexname)`,
    [[S, M]],
  );
  for (const index of indexes) await db.query(`drop index ${index.name}`);
  const share = Math.max(1, Math.round(sessions / 100));
  await insertSessions(db, 'swarm', share);
  await insertSessions(db, 'conversation', sessions - 2 * share);
  for (const index of indexes) await db.query(index.indexdef);
  // Last, so that a long load does not age them past the purge's 15 minutes.
  await insertSessions(db, 'young_ghost', share);
  await db.query('reset synchronous_commit; reset maintenance_work_mem; reset max_parallel_maintenance_workers');
  // Timed runs follow, and backlogs are vacuumed away between them by hand.
  for (const table of [S, M]) await db.query(`alter table ${table} set (autovacuum_enabled = false)`);
  await settle(db);
}

/**
 * Adds `count` ghosts idle between one hour and ten days: all eligible for the purge. The young ghosts are made
 * young again first: a long run would otherwise age them past the purge's 15 minutes.
 */
export async function addGhosts(db: pg.ClientBase, count: number) {
  await db.query(`update ${S} set created_at = now(), updated_at = now() where metadata ->> 'bench' = 'young_ghost'`);
  await insertSessions(db, 'ghost', count);
  await settle(db);
}

/** Adds `count` conversations idle for over 30 days (20 messages on average), and empties the archive tables. */
export async function addStaleConversations(db: pg.ClientBase, count: number) {
  await db.query(`truncate ${TABLES.archiveSessions}, ${TABLES.archiveMessages}`);
  await insertSessions(db, 'stale', count);
  await settle(db);
}

/** Same starting point for every timed run: dead rows vacuumed, statistics fresh, dirty pages written. */
export async function settle(db: pg.ClientBase) {
  await db.query(`vacuum analyze ${S}, ${M}, ${TABLES.archiveSessions}, ${TABLES.archiveMessages}`);
  await db.query('checkpoint');
}

const ghostRows = `coalesce(message_count, 0) = 0 and updated_at < now() - make_interval(mins => ${GHOST_MINUTES})`;
const noMessage = `not exists (select from ${M} m where m.session_id = s.id)`;
/** The ghosts the purge deletes now (no message row), as one statement: one indexed DELETE. */
export const SINGLE_DELETE = `delete from ${S} s where ${ghostRows} and ${noMessage}`;
/** The ids of those ghosts. */
export const GHOST_IDS = `select array_agg(id) as ids from ${S} s where ${ghostRows} and ${noMessage}`;
/** How many of those ghosts there are. */
export const GHOST_COUNT = `select count(*)::int as n from ${S} s where ${ghostRows} and ${noMessage}`;
/** The original plan's query (with the no-message check it needs on Aria's data), run without our indexes. */
export const NAIVE_DELETE = `delete from ${S} s where coalesce(message_count, 0) = 0 and created_at < now() - make_interval(mins => ${GHOST_MINUTES}) and ${noMessage}`;
export const OUR_INDEXES = ['public.session_sweeper_ghosts_idx'];
