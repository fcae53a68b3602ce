import type { WorkerConnection } from '../../database/index.js';
import type { Observation } from './classify.js';
import { ConnectionLostError, executeCell } from './execute.js';
import type { CellPlan } from '../planner/plan.js';

export interface PoolOptions {
  workers: number;
  /** Cells in flight per connection when it pipelines (one otherwise). @default 8 */
  depth?: number;
  /** Opens a connection ready for cells: session settings applied, a transaction open. */
  connect: () => Promise<WorkerConnection>;
  /** Runs one cell on a connection (another executor, or both of them). @default the SQL executor */
  execute?: (connection: WorkerConnection, plan: CellPlan) => Promise<Observation>;
  onObservation: (plan: CellPlan, observation: Observation, durationMs: number) => void | Promise<void>;
}

/**
 * Runs plans on `workers` connections, each holding one transaction for all its cells (cells use
 * savepoints), pulling from a shared stream so a slow cell never stalls the rest. A pipelining
 * connection keeps `depth` cells in flight, so the round trip is paid once per batch of cells, not
 * per cell. A connection that breaks is replaced and the cells it was running are reported as errors.
 *
 * `plans` may be produced while cells run (an async generator planning chunk after chunk): a
 * non-pipelining connection asks for its next plan only after its cell has finished, so a producer
 * sharing that connection never runs beside a cell. The first failure (from the producer or from
 * `onObservation`) stops every lane from taking more; it is thrown once every lane has stopped and
 * every connection is released, never while a cell is still running.
 */
export async function runPool(plans: Iterable<CellPlan> | AsyncIterable<CellPlan>, options: PoolOptions): Promise<void> {
  const source = Symbol.asyncIterator in plans ? plans[Symbol.asyncIterator]() : plans[Symbol.iterator]();
  let failed = false;
  let exhausted = false;
  const take = async (): Promise<CellPlan | undefined> => {
    if (failed || exhausted) return undefined;
    try {
      const next = await source.next();
      if (next.done) exhausted = true;
      return next.done || failed ? undefined : next.value;
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  const connectionSlot = async (first: CellPlan) => {
    let connection: Promise<WorkerConnection> | undefined;
    const run = async (plan: CellPlan) => {
      const current = (connection ??= options.connect());
      await current;
      const started = performance.now();
      let observation: Observation;
      try {
        observation = options.execute ? await options.execute(await current, plan) : await executeCell(await current, plan);
      } catch (error) {
        if (!(error instanceof ConnectionLostError)) throw error;
        if (connection === current) {
          connection = undefined;
          await (await current).release();
        }
        observation = { rows: 0, targetRows: plan.targetRows, error: { sqlstate: '08006', message: `connection lost while running the cell: ${error.message}` } };
      }
      await options.onObservation(plan, observation, performance.now() - started);
    };
    const lane = async (plan: CellPlan | undefined) => {
      try {
        for (; plan; plan = await take()) await run(plan);
      } catch (error) {
        failed = true;
        throw error;
      }
    };
    try {
      const opened = await (connection ??= options.connect());
      const lanes = opened.pipelined ? Math.max(1, options.depth ?? 8) : 1;
      const starts: (CellPlan | undefined)[] = [first];
      for (let i = 1; i < lanes; i++) starts.push(await take());
      await settleAll(starts.map(lane));
    } finally {
      if (connection) await (await connection).release();
    }
  };

  // A connection opens only for work: a stream of 3 plans opens at most 3 connections.
  const slots: Promise<void>[] = [];
  const opening = (async () => {
    for (let i = 0; i < Math.max(1, options.workers); i++) {
      const first = await take();
      if (!first) break;
      slots.push(connectionSlot(first));
    }
  })();
  await opening.catch(() => undefined); // settled: every slot there will be is in `slots`
  try {
    await settleAll([opening, ...slots]);
  } finally {
    // A producer left mid-stream (a lane failed) gets to clean up, e.g. to finish a chunk it is planning.
    if (!exhausted) await source.return?.();
  }
}

/** Waits for every promise, then throws the first rejection (Promise.all would throw while others still run). */
async function settleAll(promises: readonly Promise<void>[]): Promise<void> {
  const settled = await Promise.allSettled(promises);
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
}
