// When pg_cron starts a job next, for GET /api/engine/jobs and the operator's page. Computed here with croner, a
// maintained cron library, rather than by a cron parser of our own in SQL: croner knows time zones (pg_cron's
// cron.timezone), the last day of the month and DST; what is pg_cron's own (its syntax, when both day fields
// count, seconds schedules) is translated below, following pg_cron's src/entry.c and src/pg_cron.c.
import { Cron } from 'croner';

const SPECIALS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

/** Names as numbers, as pg_cron reads them: 'sun' is always 0 (croner reads '-sun' as 7, so 'mon-sun' is every day). */
const numbered = (field: string, names: string[], first: number) =>
  field.replace(/[a-z]+/gi, (name) => (names.includes(name.toLowerCase()) ? String(names.indexOf(name.toLowerCase()) + first) : name));

/** pg_cron 1.5+: '[1-59] second(s)', run again that long after the job's last start. */
const SECONDS = /^\s*(\d+)\s*seconds?\s*$/i;

export type NextRunContext = {
  /** The database's clock: pg_cron's. */
  now: Date;
  /** cron.timezone (pg_cron 1.5+); pg_cron 1.4 has no such setting and runs in GMT. */
  timeZone: string | null;
  /** The job's latest start in cron.job_run_details, if any: where a seconds schedule counts from. */
  lastStart: Date | null;
};

/** The next start after `now`, or null for a schedule that pg_cron does not start by the clock (@reboot) or does not take. */
export function nextRun(schedule: string, { now, timeZone, lastStart }: NextRunContext): Date | null {
  const seconds = SECONDS.exec(schedule);
  if (seconds) {
    const interval = Number(seconds[1]);
    if (interval < 1 || interval > 59) return null;
    // Never started since pg_cron started (or overdue): pg_cron starts it at once.
    return new Date(Math.max(now.getTime(), (lastStart?.getTime() ?? 0) + interval * 1000));
  }
  const fields = (SPECIALS[schedule.trim().toLowerCase()] ?? schedule).trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  try {
    const pattern = [minute, hour, dayOfMonth === '$' ? 'L' : dayOfMonth, numbered(month, MONTHS, 1), numbered(dayOfWeek, DAYS, 0)];
    const cron = new Cron(pattern.join(' '), {
      mode: '5-part',
      timezone: timeZone ?? 'GMT',
      // As in Vixie cron: a day must match both day fields when either starts with '*' (even '*/2'), else either one.
      domAndDow: dayOfMonth.startsWith('*') || dayOfWeek.startsWith('*'),
    });
    return cron.nextRun(now);
  } catch {
    return null; // a schedule pg_cron would not have stored, or a time zone name Node does not know
  }
}

/** 'in 42 s', 'paused' (the job is not active), or 'unknown' (no next run: see nextRun). */
export function nextDue(active: boolean, next: Date | null, now: Date): string {
  if (!active) return 'paused';
  if (!next) return 'unknown';
  return `in ${durationInWords((next.getTime() - now.getTime()) / 1000)}`;
}

/** A duration as an operator reads it: '42 s', '3 min 5 s', '5 h 12 min', '2 d 3 h' (the two largest units). */
export function durationInWords(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const two = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    `${Math.floor(s / big)} ${bigUnit}${Math.floor((s % big) / small) ? ` ${Math.floor((s % big) / small)} ${smallUnit}` : ''}`;
  if (s < 60) return `${s} s`;
  if (s < 3600) return two(60, 'min', 1, 's');
  if (s < 86400) return two(3600, 'h', 60, 'min');
  return two(86400, 'd', 3600, 'h');
}
