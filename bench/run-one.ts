// One measured rls-matrix run, in its own process so its peak RSS is its own. Used by bench/run.ts.
// argv: <matrix file> <workers> <report dir> [setup-only|planned-first|postgrest|cross-check|url]; env BENCH_CONNECTION: the shared server's connection JSON.
// setup-only prepares a fresh database (schema, fixtures) and runs no cell; planned-first plans every
// cell before the first runs (planChunkSize Infinity), so execution is timed without planning beside it;
// postgrest runs every cell through the real PostgREST; cross-check runs both executors; url runs as
// `--provider url --apply-migrations` against an empty database made for it (migrations, fixtures and
// cells in one transaction that is rolled back), and also prints when each 1,000th cell finished.
import pg from 'pg';
import { limitHeapGrowth } from '../cli/heap.js';
import { RlsMatrixError } from '../core/index.js';
import { runMatrix } from '../harness/index.js';
import type { Provider } from '../database/providers/types.js';
import { urlProvider } from '../database/providers/url.js';
import { createReporters } from '../reports/index.js';

limitHeapGrowth(); // as the CLI does
const [matrix, workers, outDir, mode] = process.argv.slice(2) as [string, string, string, string | undefined];
const connection = JSON.parse(process.env.BENCH_CONNECTION ?? '{}');
const provider: Provider = { name: 'embedded', start: async () => ({ connection, stop: async () => undefined }) };

const before = await databases();
const target = mode === 'url' ? await emptyDatabase() : undefined;
// Seconds since the first cell at every 1,000th: how the cost of a cell changes as the run goes on.
const thousands: number[] = [];
let firstCellAt: number | undefined;
const outcome = await runMatrix({
  matrices: [matrix],
  ...(target ? { provider: urlProvider, providerOptions: { url: target }, applyMigrations: true } : { provider }),
  onProgress: (done) => {
    firstCellAt ??= performance.now();
    if (done >= (thousands.length + 1) * 1000) thousands.push(Math.round(performance.now() - firstCellAt));
  },
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
process.stdout.write(`${JSON.stringify({ summary, database, maxRssMb: process.resourceUsage().maxRSS / 1024, thousandsMs: thousands })}\n`);

/** A new empty database on the shared server, as a URL: the url provider's target. */
async function emptyDatabase(): Promise<string> {
  const name = `rls_matrix_url_${process.pid}_${Date.now()}`;
  const client = new pg.Client(connection);
  await client.connect();
  await client.query(`create database ${pg.escapeIdentifier(name)}`);
  await client.end();
  const { user, password, host, port } = connection as { user: string; password: string; host: string; port: number };
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${name}`;
}

async function databases(): Promise<string[]> {
  const client = new pg.Client(connection);
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'rls_matrix_%'`);
  await client.end();
  return rows.map((r) => r.datname);
}
