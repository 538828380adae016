// What the HTTP service needs from the database, in one object; tests of the routes may pass a fake.
import type pg from 'pg';
import { createJobQueries, type JobQueries } from './jobs.ts';
import { queryWithTimeouts } from './pool.ts';
import { createPurgeQueries, type PurgeQueries } from './purges.ts';
import { createSessionQueries, type SessionQueries } from './sessions.ts';

export type Store = SessionQueries & JobQueries & PurgeQueries;

export function createStore(pool: pg.Pool): Store {
  const query = queryWithTimeouts(pool);
  return { ...createSessionQueries(query), ...createJobQueries(query), ...createPurgeQueries(query) };
}
