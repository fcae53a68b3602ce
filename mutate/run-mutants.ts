import type { Cell, CellResult, Mutant, MutantResult } from '../core/index.js';
import { cloneDatabase, type ConnectionInfo, type WorkerConnection } from '../database/index.js';
import { type CellPlan, lockWaitBesideOthers, replayPlans } from '../harness/index.js';

export interface MutantRunContext {
  /** The server we started, and the prepared database (migrations and fixtures) every mutant copies. */
  server: ConnectionInfo;
  template: string;
  /** Every cell planned on the unmutated database; each mutant re-runs those of the tables it affects. */
  plans: readonly CellPlan[];
  /** Mutants in flight at once (each on one pipelining connection to its own copy). */
  workers: number;
  cellTimeoutMs: number;
  onMutant?: (result: MutantResult, done: number, total: number) => void;
}

/** Cell ids a result lists: enough to find them, few enough to read. */
const LISTED_CELLS = 3;

/**
 * Runs every mutant in its own copy of the prepared database, `workers` at a time: copy, apply the
 * statement, re-run the cells of the tables it affects (and every rpc cell, since a function may
 * read any table), judge them against the matrix, drop the copy. Killed when a cell fails; errored
 * when the statement does not apply or, with no cell failing, a cell errs (a broken schema is not a
 * matrix that noticed); survived otherwise. Results come back in the mutants' order.
 */
export async function runMutants(mutants: readonly Mutant[], context: MutantRunContext): Promise<MutantResult[]> {
  const results: MutantResult[] = new Array(mutants.length);
  let next = 0;
  let done = 0;
  let stopped = false;
  const lane = async () => {
    for (let index = next++; index < mutants.length && !stopped; index = next++) {
      const result = await runMutant(mutants[index]!, index, context).catch((error: unknown) => {
        stopped = true;
        throw error;
      });
      results[index] = result;
      context.onMutant?.(result, ++done, mutants.length);
    }
  };
  // Every lane ends before a failure is thrown: no copy is left being written when the server stops.
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(context.workers, mutants.length)) }, lane));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}

async function runMutant(mutant: Mutant, index: number, context: MutantRunContext): Promise<MutantResult> {
  const started = performance.now();
  // Cells of the mutated table first: they are the likeliest to fail, and the first failure ends the run.
  const plans = context.plans.filter((p) => affectsCell(mutant, p.cell)).sort((a, b) => Number(b.cell.table === mutant.reach.table) - Number(a.cell.table === mutant.reach.table));
  const clone = await cloneDatabase(context.server, context.template, `m${index}`);
  const finish = (fields: Omit<MutantResult, keyof Mutant | 'durationMs'>): MutantResult => ({ ...mutant, ...fields, durationMs: performance.now() - started });
  try {
    const timeout = context.cellTimeoutMs;
    // The mutation is committed on the connection the cells then run on: one connection to the copy instead of two.
    let first: WorkerConnection | undefined = await clone.connectWorker(timeout, lockWaitBesideOthers(timeout));
    try {
      await first.client.query('commit');
      await first.client.query(mutant.statement);
      await first.client.query('begin');
    } catch (error) {
      await first.release();
      const e = error as { code?: string; message?: string };
      return finish({ status: 'errored', cellsRun: 0, error: `the statement failed${e.code ? ` (SQLSTATE ${e.code})` : ''}: ${e.message ?? String(error)}` });
    }
    const connect = async (timeoutMs: number, lockTimeoutMs?: number) => {
      const opened = first;
      first = undefined;
      return opened ?? clone.connectWorker(timeoutMs, lockTimeoutMs);
    };
    // One failing cell kills the mutant: no further cell is started once one has failed.
    const results = await replayPlans(plans, { connect, workers: 1, cellTimeoutMs: timeout, until: (result) => result.status === 'fail' });
    await first?.release();
    return finish(verdictOf(results));
  } finally {
    await clone.drop();
  }
}

/** Whether a cell re-runs against a mutant: every rpc cell, and cells of the tables it affects (on its own table, of the operations it reaches). */
function affectsCell(mutant: Mutant, cell: Cell): boolean {
  if (cell.operation === 'rpc') return true;
  if (!mutant.affects.includes(cell.table)) return false;
  if (cell.table !== mutant.reach.table || !mutant.operations) return true;
  return (mutant.operations as readonly string[]).includes(cell.operation) || (cell.returning && mutant.operations.includes('select'));
}

function verdictOf(results: readonly CellResult[]): Omit<MutantResult, keyof Mutant | 'durationMs'> {
  const failed = results.filter((r) => r.status === 'fail');
  const erred = results.filter((r) => r.status === 'error');
  const cellsRun = results.length;
  const ids = (list: readonly CellResult[]) => list.slice(0, LISTED_CELLS).map((r) => r.cell.id);
  if (failed.length) return { status: 'killed', cellsRun, cells: ids(failed) };
  if (erred.length) {
    const first = erred[0]!.outcome;
    const why = first.error ? `SQLSTATE ${first.error.sqlstate}: ${first.error.message}` : (first.reason ?? 'error');
    return { status: 'errored', cellsRun, cells: ids(erred), error: `${erred.length} cell${erred.length === 1 ? '' : 's'} erred (${erred[0]!.cell.id}: ${why})` };
  }
  return { status: 'survived', cellsRun };
}
