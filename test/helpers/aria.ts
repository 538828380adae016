import { readFile } from 'node:fs/promises';

const fixture = new URL('../fixtures/aria-schema.sql', import.meta.url);

/** Aria's table names today, and in the era of the original ticket (Aria's s49 baseline: same columns, in public). */
export const ARIA_LAYOUTS = {
  today: {
    sessions: 'aria_engine.chat_sessions',
    messages: 'aria_engine.chat_messages',
    archiveSessions: 'aria_engine.chat_sessions_archive',
    archiveMessages: 'aria_engine.chat_messages_archive',
  },
  older: {
    sessions: 'public.engine_chat_sessions',
    messages: 'public.engine_chat_messages',
    archiveSessions: 'public.engine_chat_sessions_archive',
    archiveMessages: 'public.engine_chat_messages_archive',
  },
} as const;

/** The SQL that creates Aria's chat tables (test/fixtures/aria-schema.sql) under one layout's names. */
export async function ariaSchemaSql(layout: keyof typeof ARIA_LAYOUTS): Promise<string> {
  const sql = await readFile(fixture, 'utf8');
  if (layout === 'today') return sql;
  return sql.replace('create schema aria_engine;', '').replaceAll('aria_engine.chat_', 'public.engine_chat_');
}
