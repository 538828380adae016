import { defineConfig } from 'vitest/config';

// `npm run test:ha`: the Patroni failover test alone (test/ha/), which `npm test` leaves out.
export default defineConfig({
  test: {
    include: ['test/ha/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
  },
});
