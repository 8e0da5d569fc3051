import { defineConfig } from 'vitest/config';

/** `npm run test:faults`: whole-stack fault tests (real dev server, worker and API processes); see test/faults/. */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    // Each file runs its own stack (dev server + worker + API): two at a time is what this two-core machine carries.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    setupFiles: ['test/support/quiet-temporal-runtime.ts'],
  },
});
