import { defineConfig } from 'vitest/config';

// Only on Aria's tables: its write patterns, its archive.
const ARIA_ONLY = ['test/aria-write-patterns.test.ts', 'test/archive.test.ts'];
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

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // All files of a project share one database (pg_cron lives in exactly one), so they take turns.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      // test/ha/ runs alone with `npm run test:ha` (vitest.ha.config.ts): a Patroni cluster, minutes of pg_cron waits.
      { extends: true, test: { name: 'greenfield', include: ['test/**/*.test.ts'], exclude: [...ARIA_ONLY, 'test/ha/**'] } },
      { extends: true, test: { name: 'aria', include: ON_ARIA_TABLES } },
    ],
  },
});
