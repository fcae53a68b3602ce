import type { CellResult } from '../core/index.js';
import type { WorkerConnection } from '../database/index.js';
import { type CellPlan, replayPlans } from '../harness/index.js';

/**
 * A mutant that makes a helper run as its caller often makes policies call each other without end
 * (the helper reads a table whose policy calls the helper). PostgreSQL stops that at
 * max_stack_depth, 54001, but only after filling the stack: ~0.3 s a cell at the default 2 MB, so
 * one such mutant on examples/lms took 8 of the 12 seconds every mutant together took. Mutants'
 * cells therefore run with a smaller stack, which ends such a cell in a few milliseconds.
 *
 * A smaller stack must not change a verdict. It is used only when every baseline cell passes with
 * it (`checkBaseline`), and when a mutant would be judged errored because cells ran out of it, the
 * first such cell runs again at the full depth: if it still runs out, the recursion is real and the
 * verdict stands; otherwise every cell of the mutant runs again at the full depth.
 */
export interface StackBound {
  /** max_stack_depth for mutants' cells. */
  small: string;
  /** The server's own max_stack_depth, for the cells that must run with it. */
  full: string;
}

const SMALL_STACK = '256kB';
const STACK_EXCEEDED = '54001';

/** Sets the small stack on a connection cells will run on. */
export async function useSmallStack(worker: WorkerConnection, bound: StackBound | undefined): Promise<void> {
  if (bound) await worker.client.query(`set max_stack_depth = '${bound.small}'`);
}

/** The server's max_stack_depth, or undefined when this role may not lower it (not a superuser). */
export async function stackBound(worker: WorkerConnection): Promise<StackBound | undefined> {
  try {
    const full = (await worker.client.query<{ max_stack_depth: string }>('show max_stack_depth')).rows[0]!.max_stack_depth;
    await worker.client.query(`savepoint probe; set max_stack_depth = '${SMALL_STACK}'; rollback to savepoint probe; release savepoint probe`);
    return { small: SMALL_STACK, full };
  } catch {
    await worker.client.query('rollback to savepoint probe; release savepoint probe').catch(() => undefined);
    return undefined;
  }
}

/** Whether a run's results show a cell that ran out of stack. */
export function ranOutOfStack(results: readonly CellResult[]): boolean {
  return results.some((r) => r.status === 'error' && r.outcome.error?.sqlstate === STACK_EXCEEDED);
}

/**
 * Re-runs a mutant's cells on `worker` (the small stack set on it; one pipelining connection, the
 * mutant's copy or savepoint to itself, so no cell of it can be in another's way), stopping at the
 * first failing cell. When no cell failed and one ran out of the small stack, makes sure the full
 * stack would not have judged otherwise (see StackBound). The caller releases `worker`.
 */
export async function replayBounded(plans: readonly CellPlan[], worker: WorkerConnection, cellTimeoutMs: number, bound: StackBound | undefined): Promise<CellResult[]> {
  const shared: WorkerConnection = { ...worker, release: async () => undefined };
  const replay = (list: readonly CellPlan[]) => replayPlans(list, { connect: async () => shared, workers: 1, cellTimeoutMs, until: (result) => result.status === 'fail' });
  const results = await replay(plans);
  if (!bound || results.some((r) => r.status === 'fail') || !ranOutOfStack(results)) return results;
  // SET inside the transaction: the mutant's savepoint (or its copy) ends it with the mutant.
  await worker.client.query(`set max_stack_depth = '${bound.full}'`);
  try {
    const first = plans.find((p) => results.some((r) => r.cell.id === p.cell.id && r.outcome.error?.sqlstate === STACK_EXCEEDED))!;
    if (ranOutOfStack(await replay([first]))) return results;
    return await replay(plans);
  } finally {
    await worker.client.query(`set max_stack_depth = '${bound.small}'`);
  }
}
