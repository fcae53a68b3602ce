import { afterAll, beforeAll } from 'vitest';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix, type RunOptions } from '../harness/index.js';
import type { CellResult } from '../core/results.js';

/** One real PostgreSQL for a whole test file; each run still gets its own fresh database. */
export async function startSharedDatabase(): Promise<{ database: StartedDatabase; provider: Provider }> {
  const database = await embeddedProvider.start();
  const provider: Provider = { name: 'embedded', start: async () => ({ connection: database.connection, stop: async () => undefined }) };
  return { database, provider };
}

/** {@link startSharedDatabase} for the whole test file, stopped after it. */
export function sharedDatabaseSuite(): { database: () => StartedDatabase; provider: () => Provider } {
  let shared: { database: StartedDatabase; provider: Provider } | undefined;
  beforeAll(async () => {
    shared = await startSharedDatabase();
  });
  afterAll(async () => {
    await shared?.database.stop();
  });
  return { database: () => shared!.database, provider: () => shared!.provider };
}

export { tempDir, writeProject } from './project-files.js';

/** Runs a matrix and returns its results by cell id. */
export async function runAndCollect(matrix: string, options: Omit<RunOptions, 'matrices'>) {
  const results = new Map<string, CellResult>();
  const outcome = await runMatrix({ ...options, matrices: [matrix], reporters: [...(options.reporters ?? []), { onCellResult: (r) => void results.set(r.cell.id, r) }] });
  return { ...outcome, results };
}
