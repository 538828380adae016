import type { MigrationBuilder } from 'node-pg-migrate';

// The ghost purge runs every minute: its partial index holds only sessions without messages, so a run with
// nothing to delete reads a couple of pages whatever the table size. The 30-day prune looks at every session.
// (The cascade to messages is served by engine_chat_messages_session_id_idx from the first migration.)
// `if not exists`: on a large live table, build them first by hand with CREATE INDEX CONCURRENTLY under these
// names (see README); this migration then has nothing to build and holds no long lock.
export function up(pgm: MigrationBuilder): void {
  pgm.sql(`
    create index if not exists engine_chat_sessions_ghosts_idx
      on engine_chat_sessions (updated_at) where message_count = 0;
    create index if not exists engine_chat_sessions_updated_at_idx
      on engine_chat_sessions (updated_at);
  `);
}

export function down(pgm: MigrationBuilder): void {
  pgm.sql(`
    drop index engine_chat_sessions_ghosts_idx;
    drop index engine_chat_sessions_updated_at_idx;
  `);
}
