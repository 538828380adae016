// Which tables hold the chat sessions: SESSIONS_TABLE and MESSAGES_TABLE (default: the tables the migration creates,
// public.engine_chat_sessions / public.engine_chat_messages, which are also Aria's older layout), and the optional
// archive pair. `migrate up` records them in session_sweeper.settings (see sql/functions/use_tables.sql), so the cron jobs and psql need no environment.
export type TableNames = {
  sessions?: string;
  messages?: string;
  archiveSessions?: string;
  archiveMessages?: string;
};

/** The session settings migration 500 reads (only the first two: it creates the default tables when neither is set). */
export function tableSettings(tables: TableNames): Record<string, string> {
  return {
    'session_sweeper.sessions_table': tables.sessions ?? '',
    'session_sweeper.messages_table': tables.messages ?? '',
  };
}

/** The tables the migration creates when they are missing (also Aria's older layout, adopted when present). */
export const DEFAULT_TABLES = { sessions: 'public.engine_chat_sessions', messages: 'public.engine_chat_messages' };
