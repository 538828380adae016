// What the bench compares our jobs with, written here and never installed by the product.
import type pg from 'pg';
import { GHOST_MINUTES, TABLES } from './data.ts';

const { sessions: S, messages: M, archiveSessions: AS, archiveMessages: AM } = TABLES;

/**
 * purge_ghost_sessions and delete_ghost_sessions_batch as one bench procedure, without the no-message check
 * (NOT EXISTS on messages): same walk of the ghost index, same locks, same batches, commits and pause (compared, like
 * ours, with session_sweeper.ghosts_per_second off). Without the check it would delete the swarm sessions (messages,
 * count 0 or NULL) too, so it keeps to the bench's ghosts by a column of the row it has already read
 * (metadata.bench), which costs no lookup.
 */
export async function createPurgeWithoutCheck(db: pg.ClientBase) {
  const batchSize = await defaultArgument(db, 'session_sweeper.purge_ghost_sessions', 'batch_size');
  await db.query(`
    create function bench.delete_ghosts_batch_without_check(
      cutoff timestamptz, max_rows int, scan_from timestamptz, out deleted int, out scanned_to timestamptz)
    language plpgsql set enable_sort = off set enable_seqscan = off set enable_bitmapscan = off as $$
    declare
      candidates uuid[];
    begin
      select array_agg(c.id), max(c.updated_at) into candidates, scanned_to from (
        select s.id, s.updated_at from ${S} s
        where coalesce(s.message_count, 0) = 0 and s.updated_at >= scan_from and s.updated_at < cutoff
          and s.metadata ->> 'bench' = 'ghost'
        order by s.updated_at limit max_rows
        for update of s skip locked) c;
      delete from ${S} s where s.id = any(candidates);
      get diagnostics deleted = row_count;
    end $$;
    create procedure bench.purge_ghosts_without_check(minutes int, batch_size int default ${batchSize}, inout deleted int default null)
    language plpgsql as $$
    declare
      cutoff timestamptz := now() - make_interval(mins => minutes);
      pause_ms int := session_sweeper.batch_pause_ms();
      batch_deleted int;
      scan_from timestamptz := '-infinity';
    begin
      deleted := 0;
      loop
        select b.deleted, b.scanned_to into batch_deleted, scan_from
        from bench.delete_ghosts_batch_without_check(cutoff, batch_size, scan_from) b;
        deleted := deleted + batch_deleted;
        commit;
        exit when batch_deleted < batch_size;
        perform pg_sleep(pause_ms / 1000.0);
      end loop;
    end $$`);
}
/** The default of a routine's argument, as the routine declares it (so the bench keeps no copy of it). */
export async function defaultArgument(db: pg.ClientBase, routine: string, argument: string): Promise<string> {
  const { rows } = await db.query(`select pg_get_function_arguments($1::regproc) as args`, [routine]);
  const match = rows[0].args.match(new RegExp(`\\b${argument} \\w+ DEFAULT ([^,]+)`));
  if (!match) throw new Error(`${routine} declares no default for ${argument}: ${rows[0].args}`);
  return match[1];
}

export const PURGE_WITHOUT_CHECK = `call bench.purge_ghosts_without_check(${GHOST_MINUTES})`;

const SESSION_COLUMNS = `id, agent_id, session_type, title, system_prompt, model, temperature, max_tokens, context_window, status,
  message_count, total_tokens, total_cost, metadata, created_at, updated_at, ended_at`;
const MESSAGE_COLUMNS = `id, session_id, agent_id, role, content, thinking, tool_calls, tool_results, model, tokens_input,
  tokens_output, cost, latency_ms, embedding, metadata, created_at`;

/**
 * Aria's own prune (Najia-afk/Aria_moltbot, aria_engine/session_manager.py, prune_old_sessions) as it issues its
 * statements: one transaction; the stale ids with their message counts; both archive copies by `IN (ids)` (one bind
 * parameter per id, as SQLAlchemy expands them), ON CONFLICT (id) DO NOTHING; then the deletes by `IN (ids)`.
 * (Its step 0, closing zombie scoped sessions, is a separate transaction that ours does not do.) Returns the count.
 */
export async function ariaPrune(db: pg.ClientBase, days: number): Promise<number> {
  await db.query('begin');
  try {
    const { rows: stale } = await db.query(
      `select s.id, count(m.id) as msg_count from ${S} s left join ${M} m on m.session_id = s.id
       where s.updated_at < now() - make_interval(0, 0, 0, $1) group by s.id`,
      [days],
    );
    const ids = stale.map((r) => r.id);
    if (ids.length) {
      const list = ids.map((_, i) => `$${i + 1}::uuid`).join(', ');
      await db.query(
        `insert into ${AS} (${SESSION_COLUMNS}, archived_at) select ${SESSION_COLUMNS}, now() from ${S}
         where id in (${list}) on conflict (id) do nothing`,
        ids,
      );
      await db.query(
        `insert into ${AM} (${MESSAGE_COLUMNS}, archived_at) select ${MESSAGE_COLUMNS}, now() from ${M}
         where session_id in (${list}) on conflict (id) do nothing`,
        ids,
      );
      await db.query(`delete from ${M} where session_id in (${list})`, ids);
      await db.query(`delete from ${S} where id in (${list})`, ids);
    }
    await db.query('commit');
    return ids.length;
  } catch (error) {
    await db.query('rollback');
    throw error;
  }
}
