// The purge audit and the stats view: how the purge keeps up, for the operator's page and the metrics.
import type { Purge, Stats } from '../http/schemas.ts';
import type { Query } from './pool.ts';

export interface PurgeQueries {
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

export function createPurgeQueries(query: Query): PurgeQueries {
  return {
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
