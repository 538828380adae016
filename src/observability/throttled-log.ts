import type { Logger } from 'pino';

/**
 * A warning that may repeat once per request (e.g. "database unavailable" during an outage): the first one is
 * logged, then at most one per `intervalMs`, carrying how many were left out since the last line.
 */
export function throttledWarning(logger: Logger, message: string, intervalMs = 10_000) {
  let lastLoggedAt = -Infinity;
  let suppressed = 0;
  return (fields: Record<string, unknown>) => {
    const now = Date.now();
    if (now - lastLoggedAt < intervalMs) {
      suppressed++;
      return;
    }
    logger.warn({ ...fields, suppressed }, message);
    lastLoggedAt = now;
    suppressed = 0;
  };
}
