// One measured rls-matrix run, in its own process so its peak RSS is its own. Used by bench/run.ts.
// argv: <matrix file> <workers> <report dir> [setup-only|planned-first|postgrest|cross-check]; env BENCH_CONNECTION: the shared server's connection JSON.
// setup-only prepares a fresh database (schema, fixtures) and runs no cell; planned-first plans every
// cell before the first runs (planChunkSize Infinity), so execution is timed without planning beside it;
// postgrest runs every cell through the real PostgREST; cross-check runs both executors.
import pg from 'pg';
import { limitHeapGrowth } from '../cli/heap.js';
import { RlsMatrixError } from '../core/index.js';
import { runMatrix } from '../harness/index.js';
import type { Provider } from '../database/providers/types.js';
import { createReporters } from '../reports/index.js';

limitHeapGrowth(); // as the CLI does
const [matrix, workers, outDir, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const connection = JSON.parse(process.env.BENCH_CONNECTION ?? '{}');
const provider: Provider = { name: 'embedded', start: async () => ({ connection, stop: async () => undefined }) };

const before = await databases();
const outcome = await runMatrix({
  matrices: [matrix],
  provider,
  workers: Number(workers),
  ...(mode === 'setup-only' ? { filter: ['\u0000 no cell'] } : {}),
  ...(mode === 'planned-first' ? { planChunkSize: Infinity } : {}),
  ...(mode === 'postgrest' ? { executor: 'postgrest' as const } : {}),
  ...(mode === 'cross-check' ? { crossCheck: true } : {}),
  reporters: [createReporters({ outDir, reporters: ['junit', 'json', 'html', 'markdown'] })],
}).catch((error: unknown) => {
  // setup-only wants the prepared database and no cell: a run that checks nothing is refused
  // (ERR_NO_CELLS) once the database is ready, and that database is what the caller uses.
  if (mode === 'setup-only' && error instanceof RlsMatrixError && error.code === 'ERR_NO_CELLS') return undefined;
  throw error;
});
const summary = outcome?.summary;
const database = (await databases()).find((d) => !before.includes(d));
process.stdout.write(`${JSON.stringify({ summary, database, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);

async function databases(): Promise<string[]> {
  const client = new pg.Client(connection);
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'rls_matrix_%'`);
  await client.end();
  return rows.map((r) => r.datname);
}
