// `npm run bench`: rls-matrix against the raw node-postgres floor (and the peer supashield) on the
// same server in one run; cold and warm start; peak RSS as cells grow. Prints a Markdown report and
// writes bench/results/latest.json. `--quick` skips the 100k-cell run and the peer; `--executors`
// measures only the executors (SQL, the real PostgREST, both) against the raw floor, into
// bench/results/executors.json. `--url` measures only --provider url (10k cells in one rolled-back
// transaction on one connection) against the raw floor, three times, into bench/results/url.json.
// `--verdict` measures only the time to a verdict (a 40-cell matrix by the CLI, warm and cold,
// against the physical floor, `--reps N` rounds, default 5; `--baseline DIR` also times another
// built checkout's CLI in the same rounds), into bench/results/verdict.json.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { readCatalog } from '../fixtures/catalog.js';
import { planCells } from '../harness/planner/plan.js';
import { mintIdentities } from '../harness/jwt.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { ConnectionInfo } from '../database/providers/types.js';
import type { RunSummary } from '../core/results.js';
import { expandCells } from '../matrix/expand.js';
import { loadMatrix } from '../matrix/load.js';
import { cellCount, generateProject, type BenchShape } from './generate.js';
import { rawFloor } from './raw-floor.js';
import { timeToVerdict } from './verdict.js';

const root = new URL('..', import.meta.url).pathname;
const quick = process.argv.includes('--quick');
const executorsOnly = process.argv.includes('--executors');
const urlOnly = process.argv.includes('--url');
const verdictOnly = process.argv.includes('--verdict');
const repsArg = Number(process.argv[process.argv.indexOf('--reps') + 1]) || undefined;
const work = join(root, 'bench/.work');

const SHAPES = {
  '1k': { tables: 10, personas: 12 },
  '10k': { tables: 50, personas: 25 },
  '100k': { tables: 200, personas: 62 },
} satisfies Record<string, BenchShape>;

interface ChildRun {
  summary: RunSummary;
  database: string;
  maxRssMb: number;
  /** ms from the first cell to every 1,000th. */
  thousandsMs: number[];
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Ends the measurements early (`--executors`), still stopping the server and writing the results. */
class EndOfRun extends Error {}

await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
if (verdictOnly) {
  // Its own servers only: the shared one would be one more process on the cores being measured.
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
  const baseline = process.argv.includes('--baseline') ? process.argv[process.argv.indexOf('--baseline') + 1] : undefined;
  const verdict = { machine, ...(await timeToVerdict(work, repsArg ?? 5, baseline)) };
  await mkdir(join(root, 'bench/results'), { recursive: true });
  await writeFile(join(root, 'bench/results/verdict.json'), `${JSON.stringify(verdict, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
  process.exit(0);
}
const server = await embeddedProvider.start();
const results: Record<string, unknown> = {};
try {
  const { rows } = await query(server.connection, 'show server_version');
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: rows[0]!.server_version as string,
  };
  results.machine = machine;
  log(`machine: ${JSON.stringify(machine)}`);
  if (urlOnly) {
    results.url = await urlAgainstFloor(await generateProject(join(work, '10k'), SHAPES['10k']), repsArg ?? 3);
    throw new EndOfRun();
  }

  // Executors on one matrix and server: the SQL executor, every cell through PostgREST with
  // supabase-js, and both (--cross-check), with the raw floor of the same matrix in the same run.
  const small = await generateProject(join(work, '1k'), SHAPES['1k']);
  const byExecutor: Record<string, ChildRun> = {};
  for (const mode of ['sql', 'postgrest', 'cross-check'] as const) {
    log(`rls-matrix 1k cells, executor ${mode}…`);
    byExecutor[mode] = await runChild(small, 4, mode === 'sql' ? undefined : mode);
  }
  const smallFloor: Record<number, number> = {};
  for (const connections of [1, 4]) {
    const fresh = await runChild(small, 1, 'setup-only');
    const target = { ...server.connection, database: fresh.database };
    smallFloor[connections] = await rawFloor(target, await planOn(target, small), connections);
  }
  results.executors = {
    cells: byExecutor.sql!.summary.counts.total,
    workers: 4,
    cellsPerSecond: Object.fromEntries(Object.entries(byExecutor).map(([mode, r]) => [mode, Math.round(r.summary.cellsPerSecond)])),
    passed: Object.fromEntries(Object.entries(byExecutor).map(([mode, r]) => [mode, r.summary.counts.pass])),
    fidelityMismatches: byExecutor['cross-check']!.summary.fidelityMismatches,
    rawFloor: Object.fromEntries(Object.entries(smallFloor).map(([k, v]) => [`c${k}`, Math.round(v)])),
  };
  log(`executors: ${JSON.stringify(results.executors)}`);
  if (executorsOnly) throw new EndOfRun();

  // Execution: rls-matrix at two pool sizes, then the raw floor on the very database it ran on.
  const medium = await generateProject(join(work, '10k'), SHAPES['10k']);
  // Default runs plan chunk after chunk beside the running cells (flat memory); planned-first runs
  // plan every cell before the first, as the raw floor gets its statements ready-made.
  const runs: Record<string, ChildRun> = {};
  const plannedFirst: Record<string, ChildRun> = {};
  for (const workers of [4, 8]) {
    log(`rls-matrix 10k cells, ${workers} workers…`);
    runs[`w${workers}`] = await runChild(medium, workers);
    log(`rls-matrix 10k cells, ${workers} workers, planned first…`);
    plannedFirst[`w${workers}`] = await runChild(medium, workers, 'planned-first');
  }
  const fastest = (set: Record<string, ChildRun>) => Object.values(set).reduce((a, b) => (a.summary.cellsPerSecond >= b.summary.cellsPerSecond ? a : b));
  const best = fastest(runs);
  const bestPlannedFirst = fastest(plannedFirst);
  const endToEnd = (r: ChildRun) => Math.round(r.summary.timings.planMs + r.summary.timings.executionMs);
  // Every measurement gets a fresh database: rolled-back cells leave dead tuples that slow later scans.
  const floor: Record<number, number> = {};
  for (const connections of [1, 2, 4, 8]) {
    const fresh = await runChild(medium, 1, 'setup-only');
    const target = { ...server.connection, database: fresh.database };
    floor[connections] = await rawFloor(target, await planOn(target, medium), connections);
    log(`raw floor, ${connections} connection(s): ${Math.round(floor[connections]!)} cells/s`);
  }
  const bestFloor = Math.max(...Object.values(floor));
  results.execution = {
    cells: cellCount(SHAPES['10k']),
    rlsMatrix: Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, Math.round(r.summary.cellsPerSecond)])),
    rlsMatrixPlannedFirst: Object.fromEntries(Object.entries(plannedFirst).map(([k, r]) => [k, Math.round(r.summary.cellsPerSecond)])),
    rawFloor: Object.fromEntries(Object.entries(floor).map(([k, v]) => [`c${k}`, Math.round(v)])),
    ratio: best.summary.cellsPerSecond / bestFloor,
    ratioPlannedFirst: bestPlannedFirst.summary.cellsPerSecond / bestFloor,
    // Planning plus execution, the time a user waits after the fixtures are in.
    planAndExecuteMs: { streaming: endToEnd(best), plannedFirst: endToEnd(bestPlannedFirst) },
    planAlongsideMs: Math.round(best.summary.timings.planAlongsideMs ?? 0),
  };

  // Memory as cells grow: each size in its own process.
  const memory: Record<string, { cells: number; maxRssMb: number; cellsPerSecond: number }> = {
    '10k': { cells: cellCount(SHAPES['10k']), maxRssMb: best.maxRssMb, cellsPerSecond: best.summary.cellsPerSecond },
  };
  for (const size of quick ? (['1k'] as const) : (['1k', '100k'] as const)) {
    log(`rls-matrix ${size} cells…`);
    const run = await runChild(await generateProject(join(work, size), SHAPES[size]), 8);
    memory[size] = { cells: run.summary.counts.total, maxRssMb: run.maxRssMb, cellsPerSecond: run.summary.cellsPerSecond };
  }
  results.memory = memory;

  // Start: the CLI as a user runs it, a 50-table schema (200 policies) with a small matrix.
  const startProject = await generateProject(join(work, 'start'), { tables: 50, personas: 2 });
  // Cold: an empty template cache (initdb runs, and leaves its template); warm: the same cache again.
  // Three of each, the median kept: start times on a shared VM vary by ±30 % from run to run.
  const cold: Awaited<ReturnType<typeof timedCli>>[] = [];
  const warm: Awaited<ReturnType<typeof timedCli>>[] = [];
  for (let i = 0; i < 3; i++) {
    const cache = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-cache-'));
    cold.push(await settled(() => timedCli(startProject, cache)));
    warm.push(await settled(() => timedCli(startProject, cache)));
    await rm(cache, { recursive: true, force: true });
  }
  results.start = { cold: median(cold), warm: median(warm), coldRuns: cold.map((r) => r.toFirstCellMs), warmRuns: warm.map((r) => r.toFirstCellMs) };

  if (!quick) results.url = await urlAgainstFloor(medium, 1);
  if (!quick) results.peer = await peer((await runChild(medium, 1, 'setup-only')).database);
} catch (error) {
  if (!(error instanceof EndOfRun)) throw error;
} finally {
  await server.stop();
}

await mkdir(join(root, 'bench/results'), { recursive: true });
await writeFile(join(root, `bench/results/${executorsOnly ? 'executors' : urlOnly ? 'url' : 'latest'}.json`), `${JSON.stringify(results, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);

/**
 * `--provider url` against the raw floor, `reps` times, each pair back to back so both see the same
 * load: rls-matrix applies the schema, fixtures and every cell inside one transaction on one
 * connection; the floor runs the same cells' SQL on a freshly seeded database at 1, 2, 4 and 8
 * connections. Per 1,000 cells: the time each thousand took, to see whether cells cost more as the
 * transaction grows.
 */
async function urlAgainstFloor(matrix: string, reps: number) {
  const rounds = [];
  for (let i = 0; i < reps; i++) {
    log(`rls-matrix 10k cells, --provider url (round ${i + 1} of ${reps})…`);
    const load = loadAverage();
    const url = await runChild(matrix, 1, 'url');
    const floor: Record<string, number> = {};
    for (const connections of [1, 2, 4, 8]) {
      const fresh = await runChild(matrix, 1, 'setup-only');
      const target = { ...server.connection, database: fresh.database };
      floor[`c${connections}`] = Math.round(await rawFloor(target, await planOn(target, matrix), connections));
    }
    const best = Math.max(...Object.values(floor));
    const perThousand = url.thousandsMs.map((ms, k) => ms - (url.thousandsMs[k - 1] ?? 0));
    const round = {
      loadAverage: [load, loadAverage()],
      cells: url.summary.counts.total,
      passed: url.summary.counts.pass,
      cellsPerSecond: Math.round(url.summary.cellsPerSecond),
      rawFloor: floor,
      ratio: Number((url.summary.cellsPerSecond / best).toFixed(3)),
      ratioToOneConnection: Number((url.summary.cellsPerSecond / floor.c1!).toFixed(3)),
      perThousandMs: perThousand,
      executionMs: Math.round(url.summary.timings.executionMs),
      planMs: Math.round(url.summary.timings.planMs),
    };
    log(`url: ${JSON.stringify(round)}`);
    rounds.push(round);
  }
  return rounds;
}

function loadAverage(): number {
  return Number(loadavg()[0]!.toFixed(1));
}

async function runChild(matrix: string, workers: number, mode?: 'setup-only' | 'planned-first' | 'postgrest' | 'cross-check' | 'url'): Promise<ChildRun> {
  const out = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-report-'));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(root, 'bench/run-one.ts'), matrix, String(workers), out, ...(mode ? [mode] : [])], {
    env: { ...process.env, BENCH_CONNECTION: JSON.stringify(server.connection) },
    maxBuffer: 64 * 2 ** 20,
    timeout: 15 * 60_000,
  });
  await rm(out, { recursive: true, force: true });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildRun;
}

/** The plans rls-matrix ran, made again on its database (planning is deterministic). */
async function planOn(connection: ConnectionInfo, file: string) {
  const matrix = await loadMatrix(file);
  const client = new pg.Client(connection);
  await client.connect();
  try {
    const catalog = await readCatalog(client);
    const identities = await mintIdentities(matrix, 'bench-secret-bench-secret-bench-secret');
    await client.query('begin');
    const plans = await planCells({ client, matrix, catalog, identities }, expandCells(matrix, catalog));
    await client.query('rollback');
    return plans;
  } finally {
    await client.end();
  }
}

/** Wall time of `rls-matrix run` and its own setup timings (provider … plan = time to the first cell). */
async function timedCli(project: string, cache: string) {
  const out = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-cli-'));
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin/rls-matrix.js'), 'run', project, '--reporter', 'json', '--out', out, '--quiet'], {
      stdio: 'ignore',
      env: { ...process.env, RLS_MATRIX_CACHE: cache },
    });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rls-matrix exited ${code}`))));
  });
  const wallMs = performance.now() - started;
  const { summary } = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as { summary: RunSummary };
  await rm(out, { recursive: true, force: true });
  const t = summary.timings;
  return { wallMs: Math.round(wallMs), toFirstCellMs: Math.round(t.providerMs + t.shimMs + t.migrationsMs + t.fixturesMs + t.planMs), timings: t };
}

/** Runs `measure` after the disk has had a moment: the previous run's deleted data directory is still being discarded. */
async function settled<T>(measure: () => Promise<T>): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  return measure();
}

function median<T extends { toFirstCellMs: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.toFirstCellMs - b.toFirstCellMs)[Math.floor(runs.length / 2)]!;
}

/** supashield on the database rls-matrix just ran on: the same schema and fixtures. */
async function peer(database: string) {
  try {
    const { runSupashield } = await import('./peer-supashield.js');
    const { user, password, host, port } = server.connection;
    return await runSupashield({ databaseUrl: `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`, workDir: join(work, 'peer') });
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function query(connection: ConnectionInfo, sql: string) {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}
