import type { WorkerConnection } from '../workspace.js';
import type { Observation } from './classify.js';
import { ConnectionLostError, executeCell } from './execute.js';
import type { CellPlan } from './plan.js';

export interface PoolOptions {
  workers: number;
  /** Cells in flight per connection when it pipelines (one otherwise). @default 8 */
  depth?: number;
  /** Opens a connection ready for cells: session settings applied, a transaction open. */
  connect: () => Promise<WorkerConnection>;
  onObservation: (plan: CellPlan, observation: Observation, durationMs: number) => void | Promise<void>;
}

/**
 * Runs plans on `workers` connections, each holding one transaction for all its cells (cells use
 * savepoints), pulling from a shared queue so a slow cell never stalls the rest. A pipelining
 * connection keeps `depth` cells in flight, so the round trip is paid once per batch of cells, not
 * per cell. A connection that breaks is replaced and the cells it was running are reported as errors.
 */
export async function runPool(plans: readonly CellPlan[], options: PoolOptions): Promise<void> {
  let next = 0;
  const connectionSlot = async () => {
    let connection: Promise<WorkerConnection> | undefined;
    const lane = async () => {
      while (next < plans.length) {
        const plan = plans[next++]!;
        const current = (connection ??= options.connect());
        const { client } = await current;
        const started = performance.now();
        let observation: Observation;
        try {
          observation = await executeCell(client, plan);
        } catch (error) {
          if (!(error instanceof ConnectionLostError)) throw error;
          if (connection === current) {
            connection = undefined;
            await (await current).release();
          }
          observation = { rows: 0, targetRows: plan.targetRows, error: { sqlstate: '08006', message: `connection lost while running the cell: ${error.message}` } };
        }
        await options.onObservation(plan, observation, performance.now() - started);
      }
    };
    try {
      const first = await (connection ??= options.connect());
      const lanes = first.pipelined ? Math.max(1, options.depth ?? 8) : 1;
      await Promise.all(Array.from({ length: lanes }, lane));
    } finally {
      if (connection) await (await connection).release();
    }
  };
  const count = Math.max(1, Math.min(options.workers, plans.length));
  await Promise.all(Array.from({ length: count }, connectionSlot));
}
