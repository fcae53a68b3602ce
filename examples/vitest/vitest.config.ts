import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.test.ts'],
    // A matrix's cells run in the file's beforeAll: give them time (the database starts while the file is collected).
    hookTimeout: 120_000,
    // `vitest` (watch mode) re-runs the matrix's test file when the matrix, a migration or a fixture
    // changes: those files are not imported by any test, so vitest is told about them here.
    watchTriggerPatterns: [{ pattern: /\/lms\/.*\.(ya?ml|sql)$/, testsToRun: () => 'rls.test.ts' }],
  },
});
