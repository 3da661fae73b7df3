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
  },
});
