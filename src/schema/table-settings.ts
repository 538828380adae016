// Which tables hold the chat sessions: SESSIONS_TABLE and MESSAGES_TABLE (default: the tables the migration creates,
// public.engine_chat_sessions / public.engine_chat_messages, which are also Aria's older layout), and the optional
// archive pair. migrate() hands them to the migrations as these session settings; `migrate up` records them in
// session_sweeper.settings (see sql/functions/use_tables.sql), so the cron jobs and psql need no environment.
export type TableNames = {
  sessions?: string;
  messages?: string;
  archiveSessions?: string;
  archiveMessages?: string;
};

export const TABLE_SETTINGS: Record<keyof TableNames, string> = {
  sessions: 'session_sweeper.sessions_table',
  messages: 'session_sweeper.messages_table',
  archiveSessions: 'session_sweeper.archive_sessions_table',
  archiveMessages: 'session_sweeper.archive_messages_table',
};

/** The tables the migration creates when they are missing (also Aria's older layout, adopted when present). */
export const DEFAULT_TABLES = { sessions: 'public.engine_chat_sessions', messages: 'public.engine_chat_messages' };
