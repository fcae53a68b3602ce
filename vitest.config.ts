import { defineConfig } from 'vitest/config';

/** Library folders, whose modules may keep a unit test beside them (harness/executor/classify.test.ts). */
const STAGES = '{core,matrix,fixtures,database,harness,lint,reports,cli}';

export default defineConfig({
  test: {
    // Each end-to-end file starts its own PostgreSQL; two cores run two files at a time.
    pool: 'forks',
    // Every test file's temporary projects are removed after it.
    setupFiles: ['test/remove-projects.ts'],
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        // Pure modules, no database, no server, no browser: `npm run test:unit`, in seconds.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', `${STAGES}/**/*.test.ts`], pool: 'threads', isolate: false, testTimeout: 10_000 },
      },
      {
        extends: true,
        // Against a real PostgreSQL (and PostgREST, Chromium, the built command line): `npm test` runs both.
        test: { name: 'e2e', include: ['test/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
    ],
  },
});
