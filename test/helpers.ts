import { afterAll, beforeAll } from 'vitest';
import { chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

// Projects and temporary directories live until the test file that made them is done (a run may read them late).
const projects: string[] = [];
afterAll(async () => {
  await Promise.all(projects.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A new temporary directory others may enter (as root, the server runs as postgres), removed after the test file. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  projects.push(dir);
  return dir;
}

/** Writes a project (matrix, migrations, seeds) into a new temporary directory, removed after the test file. */
export async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-test-'));
  projects.push(dir);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

/** Runs a matrix and returns its results by cell id. */
export async function runAndCollect(matrix: string, options: Omit<RunOptions, 'matrices'>) {
  const results = new Map<string, CellResult>();
  const outcome = await runMatrix({ ...options, matrices: [matrix], reporters: [...(options.reporters ?? []), { onCellResult: (r) => void results.set(r.cell.id, r) }] });
  return { ...outcome, results };
}
