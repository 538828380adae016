import type { Logger } from 'pino';

/**
 * Logs a database outage once when it starts and once when it ends, instead of once per failing request or
 * scrape: a down database must not flood the logs.
 */
export function createOutageLog(logger: Logger) {
  let down = false;
  return {
    failed(error: unknown) {
      if (down) return;
      down = true;
      logger.warn({ err: error }, 'database unavailable (logged once until it answers again)');
    },
    answered() {
      if (!down) return;
      down = false;
      logger.info('database answers again');
    },
  };
}

export type OutageLog = ReturnType<typeof createOutageLog>;
