import pino, { type Level, type Logger } from 'pino';

/** JSON lines (one object per line) for log collectors; readable colours when a person watches a terminal. */
export function createLogger(level: Level | 'silent'): Logger {
  return pino({ level, transport: process.stdout.isTTY ? { target: 'pino-pretty' } : undefined });
}
