import { startProvider, usingDatabase } from '../database/index.js';
import type { ConnectionInfo, Provider } from '../database/providers/types.js';
import { type CellPlan, planAll, prepareMatrix, randomJwtSecret, RunClock } from '../harness/index.js';

/** The cells of a matrix planned on a freshly prepared database of `provider`'s server, for the raw floor. */
export async function lmsPlans(matrix: string, provider: Provider): Promise<{ plans: CellPlan[]; connection: ConnectionInfo }> {
  const run = await startProvider({ matrices: [matrix], provider });
  return usingDatabase(run.database, async () => {
    const prepared = await prepareMatrix(run.matrices[0]!, 0, { run, options: { matrices: [matrix], lint: false }, clock: new RunClock(), jwtSecret: randomJwtSecret(), apiModule: undefined });
    try {
      return { plans: await planAll(prepared), connection: prepared.workspace.connection! };
    } finally {
      await prepared.workspace.close();
    }
  });
}
