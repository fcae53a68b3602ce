import { join } from 'node:path';
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

import { writeProject } from './project-files.js';

export { tempDir, writeProject } from './project-files.js';

/** Runs a matrix and returns its results by cell id. */
export async function runAndCollect(matrix: string, options: Omit<RunOptions, 'matrices'>) {
  const results = new Map<string, CellResult>();
  const outcome = await runMatrix({ ...options, matrices: [matrix], reporters: [...(options.reporters ?? []), { onCellResult: (r) => void results.set(r.cell.id, r) }] });
  return { ...outcome, results };
}

/** Writes a project (matrix and schema.sql) and runs it on the shared database; `cell(id)` throws for an id the run lacks. */
export async function runProject(files: { matrix: string; schema: string }, options: Omit<RunOptions, 'matrices'>) {
  const dir = await writeProject({ 'rls-matrix.yaml': files.matrix, 'schema.sql': files.schema });
  const run = await runAndCollect(join(dir, 'rls-matrix.yaml'), options);
  const cell = (id: string): CellResult => {
    const result = run.results.get(id);
    if (!result) throw new Error(`no cell ${id}: ${[...run.results.keys()].join(', ')}`);
    return result;
  };
  return { ...run, cell, dir };
}
