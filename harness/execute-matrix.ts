import { type Cell, type CellResult, HarnessError, type Reporter, type RerunCounts, RUN_DEFAULTS, type RunCounts } from '../core/index.js';
import { type PlannerConnection, type StartedDatabase, throwIfDiskFull } from '../database/index.js';
import type { LoadedMatrix } from '../matrix/index.js';
import { cellExecutor, judgeCell } from './executor/executors.js';
import { Explainer } from './explain/explainer.js';
import { lockWaitBesideOthers, runWithReruns } from './executor/rerun.js';
import type { RunOptions } from './options.js';
import { type CellPlan, planCells } from './planner/plan.js';
import { PLAN_CHUNK_SIZE, planInChunks } from './planner/plan-stream.js';
import type { PreparedMatrix } from './prepare-matrix.js';
import type { RunClock } from './timings.js';

/** What the cells of a run add up to, filled as they finish. */
export interface CellTally {
  counts: RunCounts;
  reruns: RerunCounts;
  fidelityMismatches: number;
}

export function emptyTally(): CellTally {
  return { counts: { total: 0, pass: 0, fail: 0, error: 0, known: 0 }, reruns: { count: 0, bySqlstate: {} }, fidelityMismatches: 0 };
}

export interface ExecuteContext {
  database: StartedDatabase;
  options: RunOptions;
  clock: RunClock;
  reporters: readonly Reporter[];
  /** Every cell of the run, for progress. */
  cellCount: number;
  tally: CellTally;
}

/** Connections planning cells beside the running ones (see `planInChunks`). */
const PLANNERS = 2;

/**
 * Runs one prepared matrix's cells: planned in chunks on planner connections while earlier cells
 * run on the workers, conflicting cells re-run alone, each result judged and streamed to the
 * reporters as it finishes. Execution is timed from the first cell's start: planning the first chunk
 * is setup, as it was before any cell could run.
 */
export async function executeMatrix(prepared: PreparedMatrix, context: ExecuteContext): Promise<void> {
  const { workspace, api } = prepared;
  const { options, clock } = context;
  // Scope evaluation runs the schema's own policy helpers for every row and persona: one planner
  // connection cannot keep up with several running cells, two can on two cores.
  // A run of one chunk or less (every short run) has nothing for a second planner to do ahead: its
  // connection would only add a backend to start.
  const chunks = Math.ceil(context.cellCount / (options.planChunkSize ?? PLAN_CHUNK_SIZE));
  const planners = await Promise.all(Array.from({ length: Math.max(1, Math.min(PLANNERS, chunks, workspace.maxPlanners)) }, () => workspace.connectPlanner()));
  const plans = planInChunks(prepared.cells(), {
    chunkSize: options.planChunkSize ?? PLAN_CHUNK_SIZE,
    plan: chunkPlanner(prepared, planners, clock),
    // Planners with connections of their own work ahead; one sharing the cells' connection waits its turn.
    ahead: workspace.transactional ? 0 : planners.length,
  });
  const timeout = options.cellTimeoutMs ?? RUN_DEFAULTS.cellTimeoutMs;
  const alone = !workspace.transactional && options.rerunConflicts !== false;
  let firstCellAt: number | undefined;
  let ran = 0;
  const explainer = new Explainer({ catalog: prepared.catalog, policies: prepared.policies, identities: prepared.identities, connect: () => workspace.connectPlanner() });
  try {
    await runWithReruns(
      plans,
      {
        workers: Math.min(options.workers ?? RUN_DEFAULTS.workers, workspace.maxWorkers),
        // On our own server every lock is the run's own: a long wait means another cell is in the way.
        connect: () => workspace.connectWorker(timeout, alone ? lockWaitBesideOthers(timeout) : timeout),
        ...(alone ? { connectAlone: () => workspace.connectWorker(timeout) } : {}),
        ...(api ? { execute: cellExecutor(api, options.crossCheck === true, timeout)! } : {}),
        onObservation: async (plan, observation, durationMs, rerun) => {
          firstCellAt ??= performance.now() - durationMs;
          ran++;
          if (workspace.transactional && observation.error?.sqlstate === '53200') throw lockTableFull(prepared.matrix, ran);
          if (observation.error) throwIfDiskFull(observation.error, context.database);
          // Someone else's database: nothing else runs unless the transaction is still the one that
          // began. A cell run on its connection checked that in its rollback message (executeCell).
          if (api) await workspace.verifyTransaction?.(`cell ${plan.cell.id}`);
          const judged = judgeCell(plan, observation);
          const explanation = await explainer.explain(plan, judged);
          await report({ cell: plan.cell, ...judged, sql: plan.statement, role: plan.role, durationMs, ...(rerun ? { rerun } : {}), ...explanation }, context);
        },
      },
      context.tally.reruns,
    );
  } finally {
    await explainer.close();
    await Promise.all(planners.map((p) => p.release()));
  }
  if (firstCellAt !== undefined) clock.since('executionMs', firstCellAt);
}

/** Plans a chunk on an idle planner connection; the first chunk counts as setup, later ones as planning alongside the cells. */
function chunkPlanner(prepared: PreparedMatrix, planners: readonly PlannerConnection[], clock: RunClock) {
  const idle = [...planners];
  let chunks = 0;
  return async (chunk: readonly Cell[]): Promise<CellPlan[]> => {
    const started = performance.now();
    const planner = idle.pop()!;
    try {
      return await planner.discard(async () => {
        const planned = await planCells({ client: planner.client, matrix: prepared.matrix, catalog: prepared.catalog, identities: prepared.identities, idPrefix: prepared.prefix }, chunk);
        await prepared.api?.prepare(planner.client, planned);
        return planned;
      });
    } finally {
      idle.push(planner);
      clock.since(chunks++ === 0 ? 'planMs' : 'planAlongsideMs', started);
    }
  };
}

/** Counts a result and streams it to every reporter. */
async function report(result: CellResult, context: ExecuteContext): Promise<void> {
  const { tally } = context;
  if (result.fidelity) tally.fidelityMismatches++;
  tally.counts.total++;
  tally.counts[result.status]++;
  for (const reporter of context.reporters) await reporter.onCellResult?.(result);
  context.options.onProgress?.(tally.counts.total, context.cellCount);
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
