import { failingFindings, RUN_DEFAULTS, type RunMeta, type RunSummary } from '../core/index.js';
import { type StartedRun, startProvider, usingDatabase } from '../database/index.js';
import { preloadFaker } from '../fixtures/index.js';
import { type CellTally, emptyTally, executeMatrix } from './execute-matrix.js';
import { randomJwtSecret } from './jwt.js';
import { noCellsError } from './no-cells.js';
import type { RunOptions, RunOutcome } from './options.js';
import { type PreparedMatrix, prepareMatrix } from './prepare-matrix.js';
import { describeRun, shardOf, takeCensus } from './run-meta.js';
import { RunClock } from './timings.js';

/**
 * Runs matrices end to end: starts the provider while the matrices load; per matrix prepares a
 * database (shim, migrations, fixtures, tokens, checks, lints); counts every cell before any runs;
 * then executes the cells and streams their results to the reporters. Always stops the provider.
 * Never prints.
 *
 * @example
 * const { summary } = await runMatrix({ matrices: ['rls-matrix.yaml'], reporters: [createReporters({ outDir: 'rls-report' })] });
 * process.exitCode = summary.exitCode;
 */
export async function runMatrix(options: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date();
  const clock = new RunClock();
  preloadFaker();
  const providerStart = performance.now();
  const run = await startProvider({ ...options, firstWorkspaceLabel: '1' }, () => clock.since('providerMs', providerStart));
  const prepared: PreparedMatrix[] = [];
  return usingDatabase(run.database, async () => {
    try {
      await prepareMatrices(run, options, clock, prepared);
      const census = await clock.time('planMs', () => takeCensus(prepared, options.shard));
      // A shard left without cells (fewer cells than shards) still writes its part of the run: an empty one.
      if (census.total === 0) throw noCellsError(prepared, options.filter);
      const meta = await describeRun({ matrices: run.matrices, prepared, census, provider: run.provider.name, startedAt, workers: workersOf(options, prepared), executor: executorOf(options) });
      const reporters = options.reporters ?? [];
      for (const reporter of reporters) await reporter.onRunStart?.(meta);
      options.onStage?.(`running ${meta.cellCount} cells`);
      const tally = emptyTally();
      for (const matrix of shardOf(prepared, census)) await executeMatrix(matrix, { database: run.database, options, clock, reporters, cellCount: meta.cellCount, tally });
      const summary = summarize(tally, clock, meta, options);
      for (const reporter of reporters) await reporter.onRunEnd?.(summary);
      return { summary, meta };
    } finally {
      await Promise.allSettled(prepared.map((p) => p.api?.close()));
      await Promise.allSettled(prepared.map((p) => p.workspace.close()));
    }
  });
}

/** Prepares every matrix in turn into `prepared` (so that what was prepared is closed if a later one fails). */
export async function prepareMatrices(run: StartedRun, options: RunOptions, clock: RunClock, prepared: PreparedMatrix[]): Promise<void> {
  const jwtSecret = options.jwtSecret ?? randomJwtSecret();
  const wantsApi = options.executor === 'postgrest' || options.crossCheck === true;
  // Loaded only when asked for: a plain run never loads supabase-js.
  const apiModule = wantsApi ? await import('./executor/postgrest/index.js') : undefined;
  for (const [index, matrix] of run.matrices.entries()) prepared.push(await prepareMatrix(matrix, index, { run, options, clock, jwtSecret, apiModule }));
}

export function workersOf(options: RunOptions, prepared: readonly PreparedMatrix[]): number {
  return Math.min(options.workers ?? RUN_DEFAULTS.workers, ...prepared.map((p) => p.workspace.maxWorkers));
}

export function executorOf(options: RunOptions): RunMeta['executor'] {
  return options.crossCheck ? 'cross-check' : options.executor === 'postgrest' ? 'postgrest' : undefined;
}

/** The run's counts, timings and exit code: 1 on any failed or erroring cell, or a lint finding at --fail-on. */
export function summarize({ counts, reruns, fidelityMismatches }: CellTally, clock: RunClock, meta: RunMeta, options: RunOptions): RunSummary {
  const timings = clock.finish();
  const lintFailures = failingFindings(meta.lint ?? [], options.failOn).length;
  const untestedFailures = options.failOnUntested ? (meta.coverage?.counts.untested ?? 0) : 0;
  return {
    counts,
    timings,
    finishedAt: new Date().toISOString(),
    cellsPerSecond: timings.executionMs > 0 ? (counts.total / timings.executionMs) * 1000 : 0,
    exitCode: counts.fail + counts.error > 0 || lintFailures > 0 || untestedFailures > 0 ? 1 : 0,
    ...(options.failOnUntested ? { untestedFailures } : {}),
    ...(options.failOn && options.failOn !== 'none' ? { lintFailures, lintFailOn: options.failOn } : {}),
    reruns,
    ...(options.crossCheck ? { fidelityMismatches } : {}),
  };
}
