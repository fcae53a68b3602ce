import type { Cell, Reporter, RunMeta, RunSummary } from '../core/index.js';
import { diskFullError, type StartedRun, startProvider } from '../database/index.js';
import { preloadFaker } from '../fixtures/index.js';
import { emptyTally, executeMatrix } from './execute-matrix.js';
import { noCellsError } from './no-cells.js';
import type { RunOptions } from './options.js';
import { type PersonaContext, runAsPersona } from './persona.js';
import type { PreparedMatrix } from './prepare-matrix.js';
import { describeRun, takeCensus } from './run-meta.js';
import { executorOf, prepareMatrices, summarize, workersOf } from './run.js';
import { RunClock } from './timings.js';

/**
 * `runMatrix` in two halves, for a test runner that must name every test before any runs: `openMatrix`
 * starts the database, prepares every matrix and lists the cells; `run` then runs them (all, or the
 * ones a test filter kept) as many times as asked, and `close` stops everything.
 */
export interface MatrixSession {
  /** The run's provenance, personas, tables, coverage and lints, as reporters get it. */
  readonly meta: RunMeta;
  /** Every cell, matrix by matrix, in run order (ids prefixed `2:` when there are several matrices). */
  readonly cells: readonly SessionCell[];
  /** Runs the cells `only` keeps (every cell by default), streaming results to `reporters`. */
  run(options?: { only?: (cell: Cell) => boolean; reporters?: readonly Reporter[] }): Promise<RunSummary>;
  /** See `runAsPersona`: `work` as a persona of the `matrix`-th matrix (default the first), always rolled back. */
  asPersona<T, Supabase = unknown>(persona: string, work: (context: PersonaContext<Supabase>) => Promise<T>, options?: { matrix?: number }): Promise<T>;
  /** Stops PostgREST, closes the workspaces and stops the database; safe to call twice. */
  close(): Promise<void>;
}

export interface SessionCell {
  cell: Cell;
  /** The matrix file it comes from. */
  file: string;
}

/**
 * Starts the provider, prepares every matrix (workspace, fixtures, tokens, checks, lints) and lists the
 * cells. Everything started is stopped again when a step fails.
 *
 * @example
 * const session = await openMatrix({ matrices: ['rls-matrix.yaml'] });
 * try {
 *   const summary = await session.run({ only: (cell) => cell.persona === 'alice' });
 * } finally {
 *   await session.close();
 * }
 */
export async function openMatrix(options: RunOptions): Promise<MatrixSession> {
  const startedAt = new Date();
  preloadFaker();
  const run = await startProvider(options);
  const prepared: PreparedMatrix[] = [];
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await Promise.allSettled(prepared.map((p) => p.api?.close()));
      await Promise.allSettled(prepared.map((p) => p.workspace.close()));
      await run.database.stop();
    })());
  try {
    const clock = new RunClock();
    await prepareMatrices(run, options, clock, prepared);
    const census = takeCensus(prepared);
    if (census.count === 0) throw noCellsError(prepared, options.filter);
    const meta = await describeRun({ matrices: run.matrices, prepared, census, provider: run.provider.name, startedAt, workers: workersOf(options, prepared), executor: executorOf(options) });
    const cells = prepared.flatMap((p) => [...p.cells()].map((cell) => ({ cell, file: p.matrix.file })));
    return {
      meta,
      cells,
      run: (runOptions = {}) => runCells(run, prepared, { ...options, reporters: runOptions.reporters ?? [] }, meta, runOptions.only),
      asPersona: (persona, work, { matrix = 0 } = {}) => runAsPersona(preparedAt(prepared, matrix), persona, work),
      close,
    };
  } catch (error) {
    await close();
    throw diskFullError(error, run.database) ?? error;
  }
}

/** One pass over the kept cells of every matrix, as `runMatrix` runs them. */
async function runCells(run: StartedRun, prepared: readonly PreparedMatrix[], options: RunOptions, meta: RunMeta, only: ((cell: Cell) => boolean) | undefined): Promise<RunSummary> {
  const clock = new RunClock();
  const reporters = options.reporters ?? [];
  const tally = emptyTally();
  try {
    for (const reporter of reporters) await reporter.onRunStart?.(meta);
    for (const matrix of prepared) {
      const kept = only ? { ...matrix, cells: () => filtered(matrix.cells(), only) } : matrix;
      await executeMatrix(kept, { database: run.database, options, clock, reporters, cellCount: meta.cellCount, tally });
    }
  } catch (error) {
    throw diskFullError(error, run.database) ?? error;
  }
  const summary = summarize(tally, clock, meta, options);
  for (const reporter of reporters) await reporter.onRunEnd?.(summary);
  return summary;
}

function* filtered(cells: Iterable<Cell>, keep: (cell: Cell) => boolean): Generator<Cell, void, undefined> {
  for (const cell of cells) if (keep(cell)) yield cell;
}

function preparedAt(prepared: readonly PreparedMatrix[], index: number): PreparedMatrix {
  const matrix = prepared[index];
  if (!matrix) throw new RangeError(`asPersona: there is no matrix number ${index} (the session has ${prepared.length})`);
  return matrix;
}
