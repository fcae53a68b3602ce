import type { CellResult, RerunCounts } from '../core/index.js';
import type { WorkerConnection } from '../database/index.js';
import { judgeCell } from './executor/executors.js';
import { lockWaitBesideOthers, runWithReruns } from './executor/rerun.js';
import { type CellPlan, planCells } from './planner/plan.js';
import type { PreparedMatrix } from './prepare-matrix.js';

/**
 * Plans every cell of a prepared matrix at once, statements built. Mutation testing runs the same
 * plans on each mutant's copy of the database: the scopes' rows are the unmutated database's (a
 * mutated helper a scope calls must not move what the matrix means by "own rows").
 */
export async function planAll(prepared: PreparedMatrix): Promise<CellPlan[]> {
  const planner = await prepared.workspace.connectPlanner();
  try {
    return await planner.discard(async () => {
      const context = { client: planner.client, matrix: prepared.matrix, catalog: prepared.catalog, identities: prepared.identities, idPrefix: prepared.prefix };
      const plans = await planCells(context, [...prepared.cells()]);
      for (const plan of plans) void plan.statement; // built now, from keys read in this transaction
      return plans;
    });
  } finally {
    await planner.release();
  }
}

export interface ReplayOptions {
  /** A worker connection to the database the plans run on (see `Workspace.connectWorker`). */
  connect: (timeoutMs: number, lockTimeoutMs?: number) => Promise<WorkerConnection>;
  workers: number;
  cellTimeoutMs: number;
  /** Counts re-runs of cells that met a conflict (a fresh count when absent). */
  reruns?: RerunCounts;
  /** Once a result satisfies it, no further cell starts (those in flight finish and are returned). */
  until?: (result: CellResult) => boolean;
}

/**
 * Runs plans made by `planAll` (on any copy of the database they were planned on) with the SQL
 * executor, conflicting cells re-run alone, and returns every judged result in completion order.
 */
export async function replayPlans(plans: readonly CellPlan[], options: ReplayOptions): Promise<CellResult[]> {
  const results: CellResult[] = [];
  const timeout = options.cellTimeoutMs;
  let stop = false;
  const source = function* () {
    for (const plan of plans) {
      if (stop) return;
      yield plan;
    }
  };
  await runWithReruns(
    source(),
    {
      workers: options.workers,
      connect: () => options.connect(timeout, lockWaitBesideOthers(timeout)),
      connectAlone: () => options.connect(timeout),
      onObservation: (plan, observation, durationMs, rerun) => {
        const result: CellResult = { cell: plan.cell, ...judgeCell(plan, observation), sql: plan.statement, role: plan.role, durationMs, ...(rerun ? { rerun } : {}) };
        results.push(result);
        if (options.until?.(result)) stop = true;
      },
    },
    options.reruns ?? { count: 0, bySqlstate: {} },
  );
  return results;
}
