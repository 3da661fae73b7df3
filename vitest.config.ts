import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Generous: real processes and SMTP on a shared 2-core machine. A hang still fails.
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: files with real child processes and SMTP traffic share them.
    maxWorkers: 2,
    // One more run for a failed test: on 2 shared cores a real worker, relay or timer can lose a
    // race the test did not mean to measure. A failure that holds twice still fails the suite,
    // and vitest lists every test that needed the second run, so a new race is seen, not hidden.
    retry: 1,
  },
});
