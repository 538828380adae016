// Item: generated requests (paths, query strings, headers, JSON bodies) against every route, on the real database.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { insertSession, useApp, useDatabase } from '../helpers/db.ts';

const RUNS = 10_000;
const TOKEN = 'fuzz-token-0123456789abcdef';
// Small, so that oversized bodies cost little to generate: some get 413, the rest fit.
const MAX_BODY_BYTES = 2_000;
const db = useDatabase();
const app = useApp({ apiTokens: [TOKEN], maxBodyBytes: MAX_BODY_BYTES });

// Text of every kind, including what PostgreSQL refuses (NUL) and what JSON allows but UTF-8 cannot hold.
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('\0', '\ud800', '\udfff', '"', '\\', '%', ' ', 'é', '\n'), maxLength: 8 }),
  fc.constantFrom('', ' ', 'null', 'undefined', '0', '-1', 'x'.repeat(600)),
);
const anyJson = fc.oneof(
  anyText,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);
// Near-valid bodies reach the store's validation edge more often than random JSON does.
const field = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('user', 'agent-1', 'hello') }, anyJson);
const body = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ agent_id: field, title: field }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  },
  {
    weight: 3,
    arbitrary: fc.record({ role: field, content: field }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  },
  fc
    .record({ agent_id: field, role: field, content: field, extra: anyJson }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  fc.json({ maxDepth: 3 }),
  anyText,
  fc.constant(undefined),
  // Just over the limit, valid or not.
  fc.constantFrom(
    JSON.stringify({ agent_id: 'a', title: 'x'.repeat(MAX_BODY_BYTES) }),
    'é'.repeat(MAX_BODY_BYTES / 2 + 1),
  ),
);
/** encodeURIComponent, but for any string: a lone surrogate goes in as the bytes of U+FFFD instead of throwing. */
const encode = (value: string) =>
  Array.from(new TextEncoder().encode(value), (byte) => {
    const char = String.fromCharCode(byte);
    return /[A-Za-z0-9_.~-]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');

const queryValue = fc.oneof(
  fc.integer({ min: -10, max: 600_000 }).map(String),
  fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String),
  fc.double().map(String),
  anyText,
);
const query = fc
  .array(fc.tuple(fc.oneof(fc.constant('older_than_minutes'), fc.string({ maxLength: 5 })), queryValue), {
    maxLength: 3,
  })
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}` : ''));

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) });
const headers = fc
  .record(
    {
      'content-type': fc.oneof(
        { weight: 6, arbitrary: fc.constant('application/json') },
        fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'multipart/form-data', undefined),
        fc.constantFrom('application/x-www-form-urlencoded', 'application/json; charset=latin1'),
        printable,
      ),
      authorization: fc.oneof(
        { weight: 12, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
        fc.constantFrom(`bearer  ${TOKEN} `, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, 'Bearer', undefined),
        fc.constant(`Bearer ${TOKEN.slice(1)}`),
        printable.map((value) => `Bearer ${value}`),
      ),
      'x-request-id': printable,
      'x-fuzz': printable,
    },
    { requiredKeys: ['content-type', 'authorization'] },
  )
  .map(
    (record) =>
      Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, string>,
  );

describe('fuzzing every route', () => {
  it(`${RUNS} generated requests: no 5xx, every 4xx in the JSON error shape, invalid input changes nothing`, async () => {
    const kept = [
      await insertSession(db, { idleMinutes: 60 * 24 * 800, messages: 2 }),
      await insertSession(db, { messages: 1 }),
    ];
    const ghost = await insertSession(db, { idleMinutes: 60 * 24 * 800 });
    const id = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...kept, ghost) },
      fc.constantFrom(
        ...kept,
        ghost,
        'ghosts',
        '',
        'null',
        '%00',
        '%E0%A4%A',
        '..',
        '00000000-0000-0000-0000-000000000000',
      ),
      fc.uuid(),
      anyText.map(encode),
    );
    const anyMethod = fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS');
    const anyPath = fc.oneof(
      fc.constantFrom('/healthz', '/readyz', '/api/engine/sessions', '/api/engine/sessions/ghosts', '/api', '/'),
      id.map((value) => `/api/engine/sessions/${value}`),
      id.map((value) => `/api/engine/sessions/${value}/messages`),
      fc.webPath(),
    );
    // Mostly the routes' own methods, so that requests get past routing into validation and the database.
    const route = fc.oneof(
      { weight: 3, arbitrary: fc.tuple(fc.constant('POST'), fc.constant('/api/engine/sessions')) },
      {
        weight: 3,
        arbitrary: fc.tuple(
          fc.constant('POST'),
          id.map((v) => `/api/engine/sessions/${v}/messages`),
        ),
      },
      { weight: 2, arbitrary: fc.tuple(fc.constant('DELETE'), fc.constant('/api/engine/sessions/ghosts')) },
      {
        weight: 2,
        arbitrary: fc.tuple(
          fc.constant('GET'),
          id.map((v) => `/api/engine/sessions/${v}`),
        ),
      },
      { weight: 1, arbitrary: fc.tuple(fc.constant('GET'), fc.constantFrom('/healthz', '/readyz')) },
      { weight: 2, arbitrary: fc.tuple(anyMethod, anyPath) },
    );
    const counts = async () =>
      (
        await db.query(`select (select count(*)::int from engine_chat_sessions) as sessions,
                               (select count(*)::int from engine_chat_messages) as messages`)
      ).rows[0];

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(route, query, headers, body, async ([method, path], query, headers, body) => {
        const before = await counts();
        const response = await app.request(`${path}${query}`, {
          method,
          headers,
          body: method === 'GET' ? undefined : body,
        });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const text = await response.text();
        expect(response.status, text).toBeLessThan(500);
        expect(response.headers.get('x-request-id')).toBeTruthy();
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toMatch(/^application\/json/);
          const parsed = JSON.parse(text);
          expect(parsed).toEqual({ status: 'error', error: expect.any(String) });
          expect(parsed.error.length).toBeGreaterThan(0);
          expect(await counts()).toEqual(before);
        }
      }),
      { numRuns: RUNS },
    );

    console.log(`[fuzz] ${RUNS} requests, by status: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(413)).toBeGreaterThan(0);
    // Valid input got through too: the fuzz reached the database, not only validation.
    expect(statuses.get(200)).toBeGreaterThan(0);
    expect(statuses.get(201)).toBeGreaterThan(0);
    // Sessions with messages are never deleted, whatever the input.
    const { rows } = await db.query('select count(*)::int as n from engine_chat_sessions where id = any($1)', [kept]);
    expect(rows[0].n).toBe(kept.length);
  }, 180_000);
});
