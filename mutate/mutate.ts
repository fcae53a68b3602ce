import { type CellResult, HarnessError, type MutantResult, type MutationSummary, mutationScore, type Reporter, RUN_DEFAULTS, type RunMeta, type RunSummary } from '../core/index.js';
import { type StartOptions, startProvider, usingDatabase } from '../database/index.js';
import { preloadFaker } from '../fixtures/index.js';
import { describeRun, planAll, prepareMatrix, randomJwtSecret, replayPlans, RunClock, takeCensus } from '../harness/index.js';
import { lintSchemas, personaRoles } from '../lint/index.js';
import { loadSqlParser } from '../matrix/index.js';
import { type BeforeFixtures, prepareBeforeFixtures } from './before-fixtures.js';
import { type MutationCatalog, readMutationCatalog } from './catalog.js';
import { generateMutants } from './generate.js';
import { ranOutOfStack, type StackBound, stackBound, useSmallStack } from './recursion.js';
import { runMutants } from './run-mutants.js';
import { suggestKill } from './suggest.js';
import { applyMutationWaivers } from './waivers.js';

export interface MutateOptions extends StartOptions {
  /** Mutants run at once, and connections of the baseline run. @default 4 */
  workers?: number;
  /** @default RUN_DEFAULTS.cellTimeoutMs */
  cellTimeoutMs?: number;
  setupTimeoutMs?: number;
  /**
   * Every mutant in a database copied for it alone (`CREATE DATABASE … TEMPLATE`) instead of inside a
   * savepoint of its worker's copy: slower, for when a savepoint is suspected of hiding a difference. @default false
   */
  isolateMutants?: boolean;
  /** A score (percent) below which the outcome's exit code is 1. */
  failUnder?: number;
  /** Get the baseline's cells and, in `onRunEnd`, the summary with its `mutation` field. */
  reporters?: readonly Reporter[];
  /** Each mutant as it finishes, for a progress line; never prints. */
  onMutant?: (result: MutantResult, done: number, total: number) => void;
}

export interface MutateOutcome {
  meta: RunMeta;
  summary: RunSummary & { mutation: MutationSummary };
}

/**
 * Measures a matrix's strength: prepares its database once (shim, migrations, fixtures), runs every
 * cell unmutated (which must pass), then, for every mutant of the live policies, RLS flags, policy
 * helpers, grants and triggers, applies it and re-runs the cells it can affect (see runMutants for
 * where each runs: a savepoint of a worker's copy, a copy of its own, or a copy seeded again).
 * Only on a server we start: someone else's database (`--provider url`) is refused before anything runs.
 */
export async function mutateMatrix(options: MutateOptions): Promise<MutateOutcome> {
  if (options.provider === 'url' || (typeof options.provider === 'object' && options.provider.name === 'url')) throw foreignDatabase();
  if (options.matrices.length !== 1)
    throw new HarnessError('ERR_USAGE', `mutate measures one matrix at a time (${options.matrices.length} given: ${options.matrices.join(', ')}): name the one to measure`);
  const startedAt = new Date();
  const clock = new RunClock();
  preloadFaker();
  const providerStart = performance.now();
  const [run] = await Promise.all([startProvider(options, () => clock.since('providerMs', providerStart)), loadSqlParser()]);
  return usingDatabase(run.database, async () => {
    if (run.database.isolation === 'transaction') throw foreignDatabase();
    const workers = options.workers ?? RUN_DEFAULTS.workers;
    const cellTimeoutMs = options.cellTimeoutMs ?? RUN_DEFAULTS.cellTimeoutMs;
    const prepared = await prepareMatrix(run.matrices[0]!, 0, { run, options: { ...options, lint: false }, clock, jwtSecret: randomJwtSecret(), apiModule: undefined });
    const { workspace, matrix } = prepared;
    let baseline: CellResult[];
    let plans: Awaited<ReturnType<typeof planAll>>;
    let mutants: ReturnType<typeof generateMutants>;
    let catalog: MutationCatalog;
    let stack: Promise<StackBound | undefined> | undefined;
    const baselineStart = performance.now();
    try {
      plans = await clock.time('planMs', () => planAll(prepared));
      // The baseline runs with the smaller stack mutants' cells get; if a cell needs more, nothing runs with it (see recursion.ts).
      const bounded = async (timeoutMs: number, lockTimeoutMs?: number) => {
        const worker = await workspace.connectWorker(timeoutMs, lockTimeoutMs);
        stack ??= stackBound(worker);
        await useSmallStack(worker, await stack);
        return worker;
      };
      baseline = await clock.time('executionMs', () => replayPlans(plans, { connect: bounded, workers, cellTimeoutMs }));
      if (ranOutOfStack(baseline)) {
        stack = Promise.resolve(undefined);
        baseline = await clock.time('executionMs', () => replayPlans(plans, { connect: workspace.connectWorker, workers, cellTimeoutMs }));
      }
      assertGreen(baseline, matrix.file);
      catalog = await workspace.discard(() => readMutationCatalog(workspace.client, lintSchemas(matrix), ['anon', 'authenticated', ...personaRoles(matrix)]));
      mutants = generateMutants(catalog);
    } finally {
      // Nobody may be connected to a database PostgreSQL copies.
      await workspace.close();
    }
    const baselineMs = performance.now() - baselineStart;
    const mutantsStart = performance.now();
    const setupTimeoutMs = options.setupTimeoutMs ?? RUN_DEFAULTS.setupTimeoutMs;
    // Only when a mutant needs it: a second database, the shim and migrations applied, no fixtures.
    const beforeFixtures: BeforeFixtures | undefined = mutants.some((m) => m.beforeFixtures)
      ? {
          template: await prepareBeforeFixtures(run.database, run.matrices[0]!, setupTimeoutMs),
          loaded: run.matrices[0]!,
          catalog: prepared.catalog,
          prefix: prepared.prefix,
          setupTimeoutMs,
        }
      : undefined;
    const ran = await runMutants(mutants, {
      server: run.database.connection,
      template: workspace.connection!.database,
      ...(beforeFixtures ? { beforeFixtures } : {}),
      plans,
      workers,
      cellTimeoutMs,
      stack: await stack,
      isolate: options.isolateMutants ?? false,
      ...(options.onMutant ? { onMutant: options.onMutant } : {}),
    });
    const mutantsMs = performance.now() - mutantsStart;
    const privileges = new Map(catalog.tables.map((t) => [t.name, t.privileges]));
    const suggestContext = {
      personas: Object.entries(matrix.personas).map(([name, spec]) => [name, spec.role] as const),
      apiRoles: catalog.apiRoles,
      cells: plans.map((p) => p.cell),
      holds: (role: string, table: string, command: string) => privileges.get(table)?.[role]?.includes(command.toUpperCase()) ?? true,
    };
    const suggested = ran.map((r) => (r.status === 'survived' ? { ...r, suggestion: suggestKill(r, suggestContext) } : r));
    const { results, unused } = applyMutationWaivers(suggested, matrix.mutationWaivers ?? []);
    const mutation = summarizeMutants(results, { baselineMs, mutantsMs, workers, failUnder: options.failUnder, unusedWaivers: unused });

    const meta = await describeRun({ matrices: [matrix], prepared: [prepared], census: takeCensus([prepared]), provider: run.provider.name, startedAt, workers, executor: undefined });
    const reporters = options.reporters ?? [];
    for (const reporter of reporters) await reporter.onRunStart?.(meta);
    for (const result of baseline) for (const reporter of reporters) await reporter.onCellResult?.(result);
    const timings = clock.finish();
    const failing = options.failUnder !== undefined && (mutation.score ?? 100) < options.failUnder;
    const summary = {
      counts: { total: baseline.length, pass: baseline.filter((r) => r.status === 'pass').length, fail: 0, error: 0, known: baseline.filter((r) => r.status === 'known').length },
      timings,
      finishedAt: new Date().toISOString(),
      cellsPerSecond: timings.executionMs > 0 ? (baseline.length / timings.executionMs) * 1000 : 0,
      exitCode: failing ? (1 as const) : (0 as const),
      mutation,
    };
    for (const reporter of reporters) await reporter.onRunEnd?.(summary);
    return { meta, summary };
  });
}

function summarizeMutants(
  results: MutantResult[],
  context: { baselineMs: number; mutantsMs: number; workers: number; failUnder: number | undefined; unusedWaivers: MutationSummary['unusedWaivers'] },
): MutationSummary {
  const count = (status: MutantResult['status']) => results.filter((r) => r.status === status).length;
  const counts = { total: results.length, killed: count('killed'), survived: count('survived'), errored: count('errored'), waived: count('waived') };
  return {
    score: mutationScore(counts),
    counts,
    ...(context.failUnder !== undefined ? { failUnder: context.failUnder } : {}),
    mutants: results,
    timings: {
      baselineMs: context.baselineMs,
      mutantsMs: context.mutantsMs,
      perMutantMs: results.length ? results.reduce((sum, r) => sum + r.durationMs, 0) / results.length : 0,
      mutantsPerSecond: context.mutantsMs > 0 ? (results.length / context.mutantsMs) * 1000 : 0,
    },
    workers: context.workers,
    unusedWaivers: context.unusedWaivers,
  };
}

/** A mutant is judged against a matrix that passes: a red baseline would make every mismatch look like a kill. */
function assertGreen(baseline: readonly CellResult[], file: string): void {
  const bad = baseline.filter((r) => r.status === 'fail' || r.status === 'error');
  if (!bad.length) return;
  const listed = bad
    .slice(0, 5)
    .map((r) => `  ${r.cell.id}: ${r.status === 'fail' ? 'mismatch' : 'error'} (observed ${r.outcome.class}${r.outcome.error ? `, SQLSTATE ${r.outcome.error.sqlstate}` : ''})`)
    .join('\n');
  throw new HarnessError(
    'ERR_MUTATE_BASELINE',
    `${file} does not pass unmutated (${bad.length} of ${baseline.length} cells fail or err), so no mutant could be judged:\n${listed}${bad.length > 5 ? `\n  … and ${bad.length - 5} more` : ''}\nMake it pass first (rls-matrix run ${file} shows every cell), then measure its strength.`,
  );
}

function foreignDatabase(): HarnessError {
  return new HarnessError(
    'ERR_MUTATE_PROVIDER',
    "mutate changes policies, RLS flags, functions and grants in copies of the prepared database, which only a server rls-matrix starts allows: it never alters someone else's database. Use --provider embedded (the default), system or docker.",
  );
}
