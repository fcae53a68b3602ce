import type { WorkerConnection } from '../workspace.js';
import type { Observation } from './classify.js';
import { ConnectionLostError, executeCell } from './execute.js';
import type { CellPlan } from './plan.js';

export interface PoolOptions {
  workers: number;
  /** Opens a connection ready for cells: session settings applied, a transaction open. */
  connect: () => Promise<WorkerConnection>;
  onObservation: (plan: CellPlan, observation: Observation, durationMs: number) => void | Promise<void>;
}

/**
 * Runs plans on `workers` connections, each holding one transaction for all its cells (cells use
 * savepoints), pulling from a shared queue so a slow cell never stalls the rest. A connection that
 * breaks is replaced and the cell it was running is reported as an error.
 */
export async function runPool(plans: readonly CellPlan[], options: PoolOptions): Promise<void> {
  let next = 0;
  const worker = async () => {
    let connection: WorkerConnection | undefined;
    try {
      while (next < plans.length) {
        const plan = plans[next++]!;
        connection ??= await options.connect();
        const started = performance.now();
        let observation: Observation;
        try {
          observation = await executeCell(connection.client, plan);
        } catch (error) {
          if (!(error instanceof ConnectionLostError)) throw error;
          await connection.release();
          connection = undefined;
          observation = { rows: 0, targetRows: plan.targetRows, error: { sqlstate: '08006', message: `connection lost while running the cell: ${error.message}` } };
        }
        await options.onObservation(plan, observation, performance.now() - started);
      }
    } finally {
      await connection?.release();
    }
  };
  const count = Math.max(1, Math.min(options.workers, plans.length));
  await Promise.all(Array.from({ length: count }, worker));
}
