import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { embeddedProvider } from '../harness/providers/embedded.js';
import type { Provider, StartedDatabase } from '../harness/providers/types.js';
import { runMatrix, type RunOptions } from '../harness/run.js';
import type { CellResult } from '../harness/types.js';

/** One real PostgreSQL for a whole test file; each run still gets its own fresh database. */
export async function startSharedDatabase(): Promise<{ database: StartedDatabase; provider: Provider }> {
  const database = await embeddedProvider.start();
  const provider: Provider = { name: 'embedded', start: async () => ({ connection: database.connection, stop: async () => undefined }) };
  return { database, provider };
}

/** Writes a project (matrix, migrations, seeds) into a new temporary directory. */
export async function writeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-test-'));
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
