import pg from 'pg';
import type { ConnectionInfo } from '../database/providers/types.js';
import type { CellPlan } from '../harness/planner/plan.js';

/**
 * The raw floor: the same cells sent by plain node-postgres, one multi-statement string per cell
 * (savepoint, settings, operation, rollback), no classification, no reporting, on `connections`
 * connections pulling from one queue. Returns cells per second.
 */
export async function rawFloor(connection: ConnectionInfo, plans: readonly CellPlan[], connections: number): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client(connection);
      await client.connect();
      await client.query('begin');
      return client;
    }),
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      while (next < plans.length) {
        const plan = plans[next++]!;
        try {
          await client.query(`savepoint cell; set constraints all immediate; ${plan.setup}; ${plan.statement}; rollback to savepoint cell`);
        } catch {
          await client.query('rollback to savepoint cell');
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return plans.length / seconds;
}
