import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', '{core,matrix,fixtures,database,harness,lint,reports,cli}/**/*.test.ts'],
    // Each test file starts its own PostgreSQL; two cores run two files at a time.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
