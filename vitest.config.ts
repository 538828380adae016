import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// No database: app.request() with a fake store, parsing, the provider choice.
const UNIT = [
  'test/api-docs.test.ts',
  'test/config.test.ts',
  'test/routes.test.ts',
  'test/database-provider.test.ts',
  'test/readme-layout.test.ts',
  'test/cron-next-run.test.ts',
  'test/embedded-postgres.test.ts',
];
// A PostgreSQL of their own each (embedded clusters started by the test).
const OWN_CLUSTER = [
  'test/managed-cron.test.ts',
  'test/reliability/outage.test.ts',
  'test/reliability/shutdown.test.ts',
];
// On the database pg_cron runs jobs in, taking turns: pg_cron really firing, migrating that database up and down
// (its first migration runs only there), and the service role dropped (which no copy of the template may hold).
const ON_CRON_DATABASE = ['test/cron.test.ts', 'test/migrations.test.ts', 'test/adoption.test.ts'];
// kill -9 of a backend, which ends every connection of the server: on a server of its own.
const CRASHES_SERVER = ['test/archive.test.ts'];
// Only on Aria's tables: its write patterns, its archive.
const ARIA_ONLY = ['test/aria-write-patterns.test.ts', ...CRASHES_SERVER];
// The files that read or write the chat tables also run on Aria's own tables (project "aria", see global-setup.ts).
const ON_ARIA_TABLES = [
  ...ARIA_ONLY,
  'test/ghost-purge.test.ts',
  'test/batch-pause.test.ts',
  'test/prune.test.ts',
  'test/purge-audit.test.ts',
  'test/reliability/race.test.ts',
  'test/reliability/fuzz.test.ts',
  'test/reliability/errors.test.ts',
  'test/reliability/purge-guard-rails.test.ts',
];

/** A project on a database of test/global-setup.ts, which says what its name means (layout, isolation). */
const onDatabase = (name: string, include: string[], exclude: string[] = []): TestProjectInlineConfiguration => ({
  extends: true,
  test: { name, include, exclude, globalSetup: ['test/global-setup.ts'], setupFiles: ['test/setup/database.ts'] },
});

/** Mostly waiting for pg_cron's next minute: started first, so that the wait overlaps the work of the others. */
const WAIT_FOR_PG_CRON = ['test/cron.test.ts', 'test/managed-cron.test.ts'];

/** The waits on pg_cron start first and the files that need no database come next; then vitest's own order. */
class FirstThings extends BaseSequencer {
  async sort(files: TestSpecification[]) {
    const rank = (file: TestSpecification) =>
      WAIT_FOR_PG_CRON.some((name) => file.moduleId.endsWith(name)) ? 0 : file.project.name === 'unit' ? 1 : 2;
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Three files at a time, across projects, on this 2-core machine: the two waiting for pg_cron's next minute
    // (started first) use no CPU; a fourth oversubscribed the cores enough that a service's new connections missed
    // its 800 ms connect timeout (503s in the browser test).
    maxWorkers: 3,
    // Worker threads: each file's start costs less CPU than a forked process (the suite is CPU-bound here).
    pool: 'threads',
    // A worker keeps the modules it imported for its next file (each file's database is set by its setup file).
    isolate: false,
    sequence: { sequencer: FirstThings },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      { extends: true, test: { name: 'own-cluster', include: OWN_CLUSTER } },
      // test/ha/ runs alone with `npm run test:ha` (vitest.ha.config.ts): a Patroni cluster, minutes of pg_cron waits.
      onDatabase(
        'greenfield',
        ['test/**/*.test.ts'],
        [...UNIT, ...OWN_CLUSTER, ...ON_CRON_DATABASE, ...ARIA_ONLY, 'test/ha/**'],
      ),
      onDatabase('aria', ON_ARIA_TABLES, CRASHES_SERVER),
      onDatabase('cron', ON_CRON_DATABASE),
      onDatabase('aria-crash', CRASHES_SERVER),
    ],
  },
});
