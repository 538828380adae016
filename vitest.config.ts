import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Patroni failover test runs alone with `npm run test:ha` (vitest.ha.config.ts).
    exclude: [...configDefaults.exclude, 'test/ha/**'],
    globalSetup: ['test/global-setup.ts'],
    // All files share one database (pg_cron lives in exactly one), so they take turns.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
