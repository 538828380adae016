// Item: on Aria's tables with its archive tables, the 30-day prune archives every stale conversation whole before it
// deletes it, in batches that survive being killed, and never archives half a conversation.
// Runs in the "aria" project only (our own tables have no archive).
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { mapConcurrently } from './helpers/concurrency.ts';
import { databaseUrl, useApp, useDatabase } from './helpers/db.ts';

const db = useDatabase();
// A killed backend makes PostgreSQL end every connection; the pool then replaces them.
db.on('error', () => {});
const app = useApp();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` conversations idle `days` days, each with `messages` messages (some with JSONB tool calls). */
async function seedConversations(count: number, { days, messages }: { days: number; messages: number }) {
  const { rows } = await db.query(
    `insert into engine_chat_sessions (agent_id, session_type, title, system_prompt, model, status, message_count,
                                       total_tokens, total_cost, metadata, created_at, updated_at, ended_at)
     select 'aria', 'interactive', 'conversation ' || i, repeat('You are Aria. ', 50), 'qwen', 'ended', $2,
            100 * i, 0.001234 * i, jsonb_build_object('i', i), now() - make_interval(days => $3 + 1),
            now() - make_interval(days => $3, secs => i), now() - make_interval(days => $3)
     from generate_series(1, $1) i returning id`,
    [count, messages, days],
  );
  await db.query(
    `insert into engine_chat_messages (session_id, agent_id, role, content, tool_calls, tokens_input, cost, metadata)
     select s, 'aria', case when n % 2 = 0 then 'user' else 'assistant' end, 'message ' || n,
            case when n % 3 = 0 then '[{"name": "search", "arguments": {"q": "x"}}]'::jsonb end, n, 0.0001 * n, '{}'
     from unnest($1::uuid[]) s, generate_series(1, $2) n`,
    [rows.map((r) => r.id), messages],
  );
  return rows.map((r) => r.id as string);
}

/** The rows of sessions `ids` and their messages, as JSON without archived_at: to compare working and archive. */
async function snapshot(sessions: string, messages: string, ids: string[]) {
  const { rows } = await db.query(
    `select (select json_agg(to_jsonb(s) - 'archived_at' order by s.id) from ${sessions} s where s.id = any($1)) as sessions,
            (select json_agg(to_jsonb(m) - 'archived_at' order by m.id) from ${messages} m where m.session_id = any($1)) as messages`,
    [ids],
  );
  return rows[0];
}

const pruneCommand = async () =>
  (await db.query(`select command from cron.job where jobname = 'session_sweeper.old-sessions-prune'`)).rows[0]
    .command as string;

describe('the 30-day prune on Aria tables with archives', () => {
  it("archives 20 idle conversations whole with the job's own command, after a dry run that said 20", async () => {
    const stale = await seedConversations(20, { days: 31, messages: 5 });
    const recent = await seedConversations(3, { days: 29, messages: 2 });
    const before = await snapshot('engine_chat_sessions', 'engine_chat_messages', stale);

    expect((await db.query('select session_sweeper.prune_old_sessions(30, dry_run => true) as n')).rows[0].n).toBe(20);
    await db.query(await pruneCommand());

    expect(await snapshot('engine_chat_sessions_archive', 'engine_chat_messages_archive', stale)).toEqual(before);
    expect(await snapshot('engine_chat_sessions', 'engine_chat_messages', stale)).toEqual({
      sessions: null,
      messages: null,
    });
    const { rows: left } = await db.query('select id from engine_chat_sessions order by id');
    expect(left.map((r) => r.id)).toEqual([...recent].sort());
    const { rows: audit } = await db.query(
      'select dry_run, deleted, messages, archived from session_sweeper.session_purge_log order by id',
    );
    expect(audit).toEqual([
      { dry_run: true, deleted: 20, messages: 100, archived: true },
      { dry_run: false, deleted: 20, messages: 100, archived: true },
    ]);
  });

  it('a prune killed mid-run (kill -9 of its backend) loses nothing; the next run finishes, archiving nothing twice', async () => {
    const stale = await seedConversations(20, { days: 31, messages: 4 });
    const before = await snapshot('engine_chat_sessions', 'engine_chat_messages', stale);
    // Slows each batch down so that the kill lands in the middle of the run.
    await db.query(`
      create function slow_archive() returns trigger language plpgsql as $$ begin perform pg_sleep(0.2); return null; end $$;
      create trigger slow_archive after insert on engine_chat_messages_archive for each statement execute function slow_archive();`);
    const victim = new pg.Client({ connectionString: databaseUrl() });
    await victim.connect();
    victim.on('error', () => {});
    const pid: number = (await victim.query('select pg_backend_pid() as pid')).rows[0].pid;
    try {
      const run = victim.query('call session_sweeper.purge_old_sessions(30, batch_size => 2)').catch((error) => error);
      await sleep(700);
      kill(pid);
      expect(await run).toBeInstanceOf(Error);
    } finally {
      await victim.end().catch(() => {});
      await waitForDatabase();
    }
    await db.query('drop trigger slow_archive on engine_chat_messages_archive; drop function slow_archive()');
    const { rows: half } = await db.query('select count(*)::int as n from engine_chat_sessions_archive');
    expect(half[0].n).toBeGreaterThan(0);
    expect(half[0].n).toBeLessThan(20);
    // What was committed is whole: each archived session has all its messages, and is gone from the working tables.
    const { rows: partial } = await db.query(`
      select count(*)::int as n from engine_chat_sessions_archive a
      where (select count(*) from engine_chat_messages_archive m where m.session_id = a.id) <> 4
         or exists (select from engine_chat_sessions s where s.id = a.id)`);
    expect(partial[0].n).toBe(0);

    await db.query(await pruneCommand());
    expect(await snapshot('engine_chat_sessions_archive', 'engine_chat_messages_archive', stale)).toEqual(before);
    expect((await db.query('select count(*)::int as n from engine_chat_sessions')).rows[0].n).toBe(0);
  });

  it('never archives half a conversation: a message racing the prune is archived with its session, or refused', async () => {
    const stale = await seedConversations(300, { days: 31, messages: 2 });
    let pruning = true;
    const started = Date.now();
    const prune = (async () => {
      while (pruning && Date.now() - started < 60_000) {
        await db.query('call session_sweeper.purge_old_sessions(30, batch_size => 5)');
        await sleep(5);
      }
    })();
    // Half the writes as Aria's swarm does (a bare insert), half through our API.
    type Outcome = { id: string; refused: boolean; asAria: boolean };
    const writes = stale.map((id, i) => ({ id, asAria: i % 2 === 0 }));
    const outcomes = await mapConcurrently(writes, 10, async ({ id, asAria }): Promise<Outcome> => {
      await sleep(Math.random() * 20);
      if (asAria) {
        try {
          await db.query(`insert into engine_chat_messages (session_id, role, content) values ($1, 'user', 'late')`, [
            id,
          ]);
          return { id, refused: false, asAria };
        } catch (error) {
          expect((error as { code?: string }).code).toBe('23503'); // the foreign key: the session is gone
          return { id, refused: true, asAria };
        }
      }
      const response = await app.request(`/api/engine/sessions/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ role: 'user', content: 'late' }),
      });
      expect([201, 404]).toContain(response.status);
      return { id, refused: response.status === 404, asAria };
    }).finally(() => (pruning = false));
    await prune;
    await db.query('call session_sweeper.purge_old_sessions(30)');

    // Both sides won some races, on each path.
    for (const asAria of [true, false]) {
      expect(outcomes.some((o) => o.asAria === asAria && o.refused)).toBe(true);
      expect(outcomes.some((o) => o.asAria === asAria && !o.refused)).toBe(true);
    }
    // Each write was refused (its session archived without it), or is in the archive with its whole session (Aria's
    // bare insert leaves the session idle, so the prune takes it), or kept its session active (ours bumps updated_at).
    const { rows } = await db.query(`
      select (select json_object_agg(session_id, n) from (select session_id, count(*)::int as n
                from engine_chat_messages_archive group by session_id) c) as archived,
             (select json_object_agg(session_id, n) from (select session_id, count(*)::int as n
                from engine_chat_messages group by session_id) c) as working,
             (select count(*)::int from engine_chat_sessions_archive) + (select count(*)::int from engine_chat_sessions) as sessions`);
    const { archived, working = {}, sessions } = rows[0];
    expect(sessions).toBe(300);
    for (const { id, refused, asAria } of outcomes) {
      const expected = refused ? { archived: 2 } : asAria ? { archived: 3 } : { working: 3 };
      expect({ archived: archived[id], working: working?.[id] }, id).toEqual({
        archived: undefined,
        working: undefined,
        ...expected,
      });
    }
  }, 120_000);

  it('checks each archived message against the archive by key, even when the archive was empty at the first batch', async () => {
    await seedConversations(300, { days: 31, messages: 2 });
    // As on a first prune: the archive tables exist, vacuumed while empty.
    await db.query('vacuum analyze engine_chat_sessions_archive, engine_chat_messages_archive');
    const seqScans = async () => {
      await db.query('select pg_stat_force_next_flush()');
      const { rows } = await db.query(
        `select seq_scan from pg_stat_user_tables where relid = 'engine_chat_sessions_archive'::regclass`,
      );
      return Number(rows[0].seq_scan);
    };
    const before = await seqScans();

    await db.query('call session_sweeper.purge_old_sessions(30, batch_size => 10)');

    const { rows } = await db.query('select count(*)::int as n from engine_chat_messages_archive');
    expect(rows[0].n).toBe(600);
    // The foreign-key check's plan, made at the first batch, must not scan the archive for each of the 600 messages.
    expect(await seqScans()).toBe(before);
  });
});

/** kill -9 of a backend where the server runs on this machine; otherwise the closest the server offers. */
function kill(pid: number) {
  const cmdline = `/proc/${pid}/cmdline`;
  if (existsSync(cmdline) && readFileSync(cmdline, 'utf8').startsWith('postgres')) process.kill(pid, 'SIGKILL');
  else void db.query('select pg_terminate_backend($1)', [pid]);
}

/**
 * After a backend's kill -9, PostgreSQL ends every connection and recovers: wait until new connections have been
 * answering for a while (the pool drops its dead ones meanwhile).
 */
async function waitForDatabase() {
  const until = Date.now() + 30_000;
  let answered = 0;
  while (answered < 3) {
    await sleep(300);
    const client = new pg.Client({ connectionString: databaseUrl() });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('select 1');
      answered++;
    } catch (error) {
      answered = 0;
      if (Date.now() > until) throw error;
    } finally {
      await client.end().catch(() => {});
    }
  }
}
