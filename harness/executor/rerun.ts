import type { WorkerConnection } from '../../database/index.js';
import type { Observation } from './classify.js';
import type { CellPlan } from '../planner/plan.js';
import { type PoolOptions, runPool } from './pool.js';
import { CONFLICTS, type Rerun, type RerunCounts } from '../../core/index.js';

/**
 * The longest a cell waits for a lock while other cells run beside it. Cells take milliseconds, so
 * a longer wait is a cell stuck behind another (or in a deadlock not yet detected): it is cut short
 * and the cell re-run alone, where it may wait up to the full cell timeout.
 */
export function lockWaitBesideOthers(timeoutMs: number): number {
  return Math.min(timeoutMs, 500);
}

export interface RerunOptions extends Omit<PoolOptions, 'onObservation'> {
  /**
   * A connection for a cell to run on alone, nothing else in flight, lock waits held to the full
   * cell timeout. Undefined where all cells share one connection (someone else's database): there
   * no cell of ours can be in another's way, so a conflict is the database's own and is reported.
   */
  connectAlone?: () => Promise<WorkerConnection>;
  onObservation: (plan: CellPlan, observation: Observation, durationMs: number, rerun?: Rerun) => void | Promise<void>;
}

/**
 * Runs plans on the pool; a cell that meets a conflict (see {@link CONFLICTS}) is set aside and,
 * once every other cell has finished and every connection is released, run again alone, one at a
 * time. Its re-run's observation is reported, whatever it is, with the reason it was re-run.
 */
export async function runWithReruns(plans: Iterable<CellPlan> | AsyncIterable<CellPlan>, options: RerunOptions, counts: RerunCounts): Promise<void> {
  const { connectAlone, onObservation } = options;
  const setAside: { plan: CellPlan; rerun: Rerun }[] = [];
  await runPool(plans, {
    ...options,
    onObservation: (plan, observation, durationMs) => {
      // Under the cross-check either path may have met the conflict: the cell re-runs on both.
      const sqlstate = [observation.error?.sqlstate, observation.twin?.error?.sqlstate].find((s) => s !== undefined && CONFLICTS[s] !== undefined);
      const reason = sqlstate && CONFLICTS[sqlstate];
      if (connectAlone && sqlstate && reason) {
        setAside.push({ plan, rerun: { sqlstate, reason } });
        return undefined;
      }
      return onObservation(plan, observation, durationMs);
    },
  });
  if (!setAside.length || !connectAlone) return;
  const reruns = new Map(setAside.map(({ plan, rerun }) => [plan, rerun]));
  for (const { rerun } of setAside) {
    counts.count++;
    counts.bySqlstate[rerun.sqlstate] = (counts.bySqlstate[rerun.sqlstate] ?? 0) + 1;
  }
  await runPool(
    setAside.map(({ plan }) => plan),
    {
      workers: 1,
      depth: 1,
      connect: connectAlone,
      ...(options.execute ? { execute: options.execute } : {}),
      onObservation: (plan, observation, durationMs) => onObservation(plan, observation, durationMs, reruns.get(plan)),
    },
  );
}
