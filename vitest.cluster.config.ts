import { defineConfig } from 'vitest/config';

/**
 * `npm run test:cluster`: the production topology (Temporal server on PostgreSQL, API, two workers) on this machine;
 * see test/cluster/. Each file brings up its own cluster, one file at a time: a cluster is five processes.
 */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    globalSetup: ['test/cluster/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 240_000,
    setupFiles: ['test/support/quiet-temporal-runtime.ts'],
  },
});
