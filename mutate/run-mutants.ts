import type { Cell, CellResult, Mutant, MutantResult } from '../core/index.js';
import type { ConnectionInfo } from '../database/index.js';
import type { CellPlan } from '../harness/index.js';
import { type BeforeFixtures, runBeforeFixtures } from './before-fixtures.js';
import { type MutantTrial, runInDatabase } from './in-database.js';
import { openSavepointSession, runsInSavepoint, type SavepointSession } from './in-savepoint.js';
import type { StackBound } from './recursion.js';

export interface MutantRunContext {
  /** The server we started, and the prepared database (migrations and fixtures) the mutants copy. */
  server: ConnectionInfo;
  template: string;
  /** Where mutants applied before the fixtures run; absent when there are none. */
  beforeFixtures?: BeforeFixtures;
  /** Every cell planned on the unmutated database; each mutant re-runs those of the tables it affects. */
  plans: readonly CellPlan[];
  /** Mutants in flight at once, each worker on one pipelining connection. */
  workers: number;
  cellTimeoutMs: number;
  /** The smaller stack mutants' cells run with, when the baseline passed with it (see recursion.ts). */
  stack: StackBound | undefined;
  /** Every mutant in a copy of its own (`--isolate-mutants`) instead of a savepoint of its worker's copy. */
  isolate?: boolean;
  onMutant?: (result: MutantResult, done: number, total: number) => void;
}

/** Cell ids a result lists: enough to find them, few enough to read. */
const LISTED_CELLS = 3;

/**
 * Runs every mutant, `workers` at a time. Each worker copies the prepared database once and runs
 * its mutants there, each inside a savepoint rolled back afterwards (see in-savepoint.ts); a
 * mutant a savepoint cannot hold or undo, and every mutant under `isolate`, gets a copy of its own
 * (in-database.ts); a mutant applied before the fixtures gets a copy of the migrated database,
 * seeded again (before-fixtures.ts), once a control seeding has shown the fixtures seed the same.
 * Killed when a cell fails; errored when the statement or the fixtures fail or, with no cell
 * failing, a cell errs (a broken schema is not a matrix that noticed); survived otherwise. Results
 * come back in the mutants' order.
 */
export async function runMutants(mutants: readonly Mutant[], context: MutantRunContext): Promise<MutantResult[]> {
  const results: MutantResult[] = new Array(mutants.length);
  let next = 0;
  let done = 0;
  let stopped = false;
  let control: Promise<string | undefined> | undefined;
  const lane = async (worker: number) => {
    let session: SavepointSession | undefined;
    try {
      for (let index = next++; index < mutants.length && !stopped; index = next++) {
        const mutant = mutants[index]!;
        const started = performance.now();
        // Cells of the mutated table first: they are the likeliest to fail, and the first failure ends the run.
        const plans = context.plans.filter((p) => affectsCell(mutant, p.cell)).sort((a, b) => Number(b.cell.table === mutant.reach.table) - Number(a.cell.table === mutant.reach.table));
        let trial: MutantTrial;
        if (mutant.beforeFixtures) {
          const fresh = context.beforeFixtures!;
          control ??= runBeforeFixtures(undefined, context.plans, 'control', context.server, fresh, context.cellTimeoutMs, context.stack).then(controlFailure);
          const unreproducible = await control;
          trial = unreproducible ? { failed: unreproducible } : await runBeforeFixtures(mutant, plans, `m${index}`, context.server, fresh, context.cellTimeoutMs, context.stack);
        } else if (!context.isolate && runsInSavepoint(mutant)) {
          session ??= await openSavepointSession(context.server, context.template, `w${worker}`, context.cellTimeoutMs, context.stack);
          trial = await session.run(mutant, plans);
        } else trial = await runInDatabase(mutant, plans, `m${index}`, { server: context.server, template: context.template, cellTimeoutMs: context.cellTimeoutMs, stack: context.stack });
        const result: MutantResult = { ...mutant, ...verdictOf(trial, plans), durationMs: performance.now() - started };
        results[index] = result;
        context.onMutant?.(result, ++done, mutants.length);
      }
    } catch (error) {
      stopped = true;
      throw error;
    } finally {
      await session?.close();
    }
  };
  // Every lane ends before a failure is thrown: no copy is left being written when the server stops.
  const settled = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(context.workers, mutants.length)) }, (_, worker) => lane(worker)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}

/** Why the fixtures seeded again do not give the baseline back (then no mutant applied before them can be judged), or undefined. */
function controlFailure(trial: MutantTrial): string | undefined {
  if ('failed' in trial) return `seeding the fixtures again, unmutated, failed: ${trial.failed}`;
  const bad = trial.results.find((r) => r.status === 'fail' || r.status === 'error');
  if (!bad) return undefined;
  return `seeding the fixtures again, unmutated, does not give the baseline back (cell ${bad.cell.id} observed ${bad.outcome.class}): the fixtures are not reproducible (a random key or a clock in fixtures.sql?), so no mutant applied before them can be judged`;
}

/** Whether a cell re-runs against a mutant: every rpc cell, and cells of the tables it affects (on its own table, of the operations it reaches). */
function affectsCell(mutant: Mutant, cell: Cell): boolean {
  if (cell.operation === 'rpc') return true;
  if (!mutant.affects.includes(cell.table)) return false;
  if (cell.table !== mutant.reach.table || !mutant.operations) return true;
  return (mutant.operations as readonly string[]).includes(cell.operation) || (cell.returning && mutant.operations.includes('select'));
}

/**
 * A trial's verdict. The cells listed come in the order they were sent (`plans`), not the order
 * they finished: every cell before the first failing one has run whichever way the mutant ran, so
 * the first one listed is the same in a savepoint and in a copy of its own.
 */
function verdictOf(trial: MutantTrial, plans: readonly CellPlan[]): Omit<MutantResult, keyof Mutant | 'durationMs'> {
  if ('failed' in trial) return { status: 'errored', cellsRun: 0, error: trial.failed };
  const order = new Map(plans.map((plan, index) => [plan.cell.id, index]));
  const byPlan = (a: CellResult, b: CellResult) => (order.get(a.cell.id) ?? 0) - (order.get(b.cell.id) ?? 0);
  const failed = trial.results.filter((r) => r.status === 'fail').sort(byPlan);
  const erred = trial.results.filter((r) => r.status === 'error').sort(byPlan);
  const cellsRun = trial.results.length;
  const ids = (list: readonly CellResult[]) => list.slice(0, LISTED_CELLS).map((r) => r.cell.id);
  if (failed.length) return { status: 'killed', cellsRun, cells: ids(failed) };
  if (erred.length) {
    const first = erred[0]!.outcome;
    const why = first.error ? `SQLSTATE ${first.error.sqlstate}: ${first.error.message}` : (first.reason ?? 'error');
    return { status: 'errored', cellsRun, cells: ids(erred), error: `${erred.length} cell${erred.length === 1 ? '' : 's'} erred (${erred[0]!.cell.id}: ${why})` };
  }
  return { status: 'survived', cellsRun };
}
