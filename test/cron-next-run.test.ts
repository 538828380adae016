// The next run of a pg_cron schedule (src/db/cron-next-run.ts), without a database: generated schedules against a
// reference that reads pg_cron's rules literally (minute by minute sets, Vixie's day rule), and examples.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationInWords, nextDue, nextRun } from '../src/db/cron-next-run.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

type Field = { text: string; values: Set<number> };

/** One cron field as pg_cron takes it (*, n, a-b, with /step, comma lists), with the values it stands for. */
function field(low: number, high: number, names?: string[]): fc.Arbitrary<Field> {
  const number = fc.integer({ min: low, max: high });
  const spelled = (n: number) =>
    fc.constant(n).chain((value) =>
      names && names[value - low] ? fc.constantFrom(String(value), names[value - low], names[value - low].toUpperCase()) : fc.constant(String(value)),
    );
  const step = fc.integer({ min: 1, max: high });
  const range = (first: number, last: number, by: number) => {
    const values = new Set<number>();
    for (let v = first; v <= last; v += by) values.add(v);
    return values;
  };
  const part: fc.Arbitrary<Field> = fc.oneof(
    number.chain((n) => spelled(n).map((text) => ({ text, values: new Set([n]) }))),
    fc.tuple(number, number, fc.option(step)).chain(([a, b, by]) => {
      const [first, last] = a <= b ? [a, b] : [b, a];
      return fc
        .tuple(spelled(first), spelled(last))
        .map(([x, y]) => ({ text: `${x}-${y}${by ? `/${by}` : ''}`, values: range(first, last, by ?? 1) }));
    }),
    step.map((by) => ({ text: `*/${by}`, values: range(low, high, by) })),
  );
  const list = fc
    .array(part, { minLength: 1, maxLength: 3 })
    .map((parts) => ({ text: parts.map((p) => p.text).join(','), values: new Set(parts.flatMap((p) => [...p.values])) }));
  return fc.oneof({ arbitrary: fc.constant({ text: '*', values: range(low, high, 1) }), weight: 2 }, { arbitrary: list, weight: 3 });
}

const schedules = fc.record({
  minute: field(0, 59),
  hour: field(0, 23),
  dayOfMonth: fc.oneof({ arbitrary: field(1, 31), weight: 5 }, { arbitrary: fc.constant({ text: '$', values: new Set<number>() }), weight: 1 }),
  month: field(1, 12, MONTHS),
  dayOfWeek: field(0, 7, DAYS),
});
type Schedule = { minute: Field; hour: Field; dayOfMonth: Field; month: Field; dayOfWeek: Field };

const text = (s: Schedule) => [s.minute, s.hour, s.dayOfMonth, s.month, s.dayOfWeek].map((f) => f.text).join(' ');

/** pg_cron's ShouldRunTask, day by day then minute by minute, in GMT; null when nothing matches within 28 years (the calendar's cycle). */
function reference(s: Schedule, after: Date): Date | null {
  const start = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  const firstDay = Math.floor(start / 86_400_000) * 86_400_000;
  const dow = new Set([...s.dayOfWeek.values].map((d) => d % 7));
  const domStar = s.dayOfMonth.text.startsWith('*');
  const dowStar = s.dayOfWeek.text.startsWith('*');
  for (let day = firstDay; day < firstDay + 28 * 366 * 86_400_000; day += 86_400_000) {
    const date = new Date(day);
    if (!s.month.values.has(date.getUTCMonth() + 1)) continue;
    const lastOfMonth = new Date(day + 86_400_000).getUTCDate() === 1;
    const domMatches = s.dayOfMonth.values.has(date.getUTCDate()) || (s.dayOfMonth.text === '$' && lastOfMonth);
    const dowMatches = dow.has(date.getUTCDay());
    if (!(domStar || dowStar ? domMatches && dowMatches : domMatches || dowMatches)) continue;
    for (const hour of [...s.hour.values].sort((a, b) => a - b)) {
      for (const minute of [...s.minute.values].sort((a, b) => a - b)) {
        const at = day + hour * 3_600_000 + minute * 60_000;
        if (at >= start) return new Date(at);
      }
    }
  }
  return null;
}

const at = (iso: string) => new Date(iso);
const gmt = (now: string, lastStart: string | null = null) => ({ now: at(now), timeZone: null, lastStart: lastStart === null ? null : at(lastStart) });

describe('nextRun', () => {
  it('agrees with pg_cron rules on generated schedules (GMT)', () => {
    fc.assert(
      fc.property(schedules, fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2035-12-31T23:59:59Z'), noInvalidDate: true }), (s, now) => {
        const expected = reference(s, now);
        const actual = nextRun(text(s), { now, timeZone: 'GMT', lastStart: null });
        expect({ schedule: text(s), next: actual?.toISOString() ?? null }).toEqual({ schedule: text(s), next: expected?.toISOString() ?? null });
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['* * * * *', '2026-03-01T10:07:00Z'],
    ['0 */6 * * *', '2026-03-01T12:00:00Z'],
    ['30 3 * * *', '2026-03-02T03:30:00Z'],
    ['@hourly', '2026-03-01T11:00:00Z'],
    ['@daily', '2026-03-02T00:00:00Z'],
    ['*/15 9-17 * * mon-fri', '2026-03-02T09:00:00Z'], // 2026-03-01 is a Sunday
    ['0 0 13 * 5', '2026-03-06T00:00:00Z'], // day 13 OR Friday: both day fields restricted
    ['0 0 */2 * 1', '2026-03-09T00:00:00Z'], // odd days AND Monday: '*/2' starts with '*' (Vixie's DOM_STAR)
    ['0 0 * * 7', '2026-03-08T00:00:00Z'], // 7 is Sunday too
    ['0 0 * * SAT-sat', '2026-03-07T00:00:00Z'],
    ['0 0 * * mon-sun', null], // pg_cron reads 'sun' as 0: 1-0 is no day at all, the job never runs
    ['0 0 29 2 *', '2028-02-29T00:00:00Z'],
    ['0 0 $ * *', '2026-03-31T00:00:00Z'], // pg_cron 1.5+: '$' is the last day of the month
    ['0 0 $ 2 *', '2027-02-28T00:00:00Z'],
    ['0 12 $ * mon', '2026-03-02T12:00:00Z'], // last day OR Monday
    ['@reboot', null],
    ['61 * * * *', null],
    ['0 0 31 2 *', null],
  ])('%s after 2026-03-01 10:06:30 GMT: %s', (schedule, expected) => {
    expect(nextRun(schedule, gmt('2026-03-01T10:06:30Z'))).toEqual(expected && at(expected));
  });

  it('reads the schedule in cron.timezone (pg_cron 1.5+), with its summer time', () => {
    const inTimeZone = (timeZone: string, now: string) => nextRun('0 3 * * *', { now: at(now), timeZone, lastStart: null });
    expect(inTimeZone('Europe/Paris', '2026-01-15T12:00:00Z')).toEqual(at('2026-01-16T02:00:00Z'));
    expect(inTimeZone('Europe/Paris', '2026-07-15T12:00:00Z')).toEqual(at('2026-07-16T01:00:00Z'));
    expect(inTimeZone('Asia/Kolkata', '2026-07-15T12:00:00Z')).toEqual(at('2026-07-15T21:30:00Z'));
    expect(inTimeZone('GMT', '2026-07-15T12:00:00Z')).toEqual(at('2026-07-16T03:00:00Z'));
    expect(inTimeZone('Not/AZone', '2026-07-15T12:00:00Z')).toBeNull();
  });

  it('counts a seconds schedule (pg_cron 1.5+) from the last start, or runs it now', () => {
    expect(nextRun('30 seconds', gmt('2026-03-01T10:06:30Z', '2026-03-01T10:06:20Z'))).toEqual(at('2026-03-01T10:06:50Z'));
    expect(nextRun(' 1 second ', gmt('2026-03-01T10:06:30Z', '2026-03-01T10:06:29.500Z'))).toEqual(at('2026-03-01T10:06:30.500Z'));
    expect(nextRun('30 seconds', gmt('2026-03-01T10:06:30Z'))).toEqual(at('2026-03-01T10:06:30Z'));
    expect(nextRun('30 Seconds', gmt('2026-03-01T10:06:30Z', '2026-03-01T09:00:00Z'))).toEqual(at('2026-03-01T10:06:30Z'));
    expect(nextRun('60 seconds', gmt('2026-03-01T10:06:30Z'))).toBeNull();
    expect(nextRun('0 seconds', gmt('2026-03-01T10:06:30Z'))).toBeNull();
  });
});

describe('nextDue', () => {
  const now = at('2026-03-01T10:06:30Z');
  it('says when, paused or unknown', () => {
    expect(nextDue(true, at('2026-03-01T10:07:00Z'), now)).toBe('in 30 s');
    expect(nextDue(false, at('2026-03-01T10:07:00Z'), now)).toBe('paused');
    expect(nextDue(false, null, now)).toBe('paused');
    expect(nextDue(true, null, now)).toBe('unknown');
  });

  it.each([
    [0, '0 s'],
    [-3, '0 s'],
    [42.4, '42 s'],
    [59.5, '1 min'],
    [60, '1 min'],
    [185, '3 min 5 s'],
    [3600, '1 h'],
    [5 * 3600 + 12 * 60 + 59, '5 h 12 min'],
    [86400, '1 d'],
    [2 * 86400 + 3 * 3600 + 59, '2 d 3 h'],
  ])('durationInWords(%s) = %s', (seconds, words) => {
    expect(durationInWords(seconds)).toBe(words);
  });
});
