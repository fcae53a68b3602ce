import { type DatabaseErrorFields, databaseErrorFields, type QueryRows } from '../../core/index.js';
import type { WorkerConnection } from '../../database/index.js';
import type { Observation } from './classify.js';
import type { CellPlan } from '../planner/plan.js';

/** Raised when the connection itself failed, so the pool replaces it. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  readonly code = 'ERR_CONNECTION_LOST';
}

/**
 * Ends a cell: back to the state before its savepoint, then the savepoint itself released.
 * ROLLBACK TO keeps the savepoint (restarted, empty), so without the RELEASE the next cell's
 * SAVEPOINT would nest inside it: the transaction would grow one subtransaction deeper per cell,
 * every level that a later cell's write gives an id keeping that id's lock until the transaction
 * ends (53200 after ~10,000 cells), and checks such as "was this row written by my own transaction?"
 * walking ever more levels (cells slowing down as a run goes on).
 */
const END_CELL = 'rollback to savepoint cell; release savepoint cell';

/**
 * Runs one cell as PostgREST would run the request, in one round trip on success:
 * savepoint, the persona's settings, the operation, rollback to the savepoint. After an error the
 * rollback is sent on its own (a multi-statement string stops at its first error).
 * Nothing a cell does outlives it. A connection with a `cellCheck` (someone else's database) runs
 * that check in the same message as the rollback.
 */
export async function executeCell(connection: WorkerConnection, plan: CellPlan): Promise<Observation> {
  if (connection.pipelined) return executePipelined(connection, plan);
  const { client, cellCheck } = connection;
  let observation: Observation;
  try {
    const results = (await client.query(`savepoint cell; set constraints all immediate; ${plan.setup}; ${plan.statement}; ${END_CELL}`)) as unknown as QueryRows[];
    // The operation's result is the last before the rollback and release (the setup may be one statement or two).
    observation = observed(plan, results[results.length - 3]!);
  } catch (error) {
    const fields = databaseErrorFields(error);
    if (!fields.sqlstate) throw new ConnectionLostError(fields.message, { cause: error });
    await client.query(END_CELL).catch((cause: unknown) => {
      throw rollbackFailed(connection, plan, cause);
    });
    observation = { rows: 0, targetRows: plan.targetRows, error: errorFields(error, fields) };
  }
  if (cellCheck) cellCheck.verify((await client.query(cellCheck.sql)).rows[0], after(plan));
  return observation;
}

/**
 * On a pipelined connection a cell is two messages queued back to back in one synchronous step, so
 * no other cell's messages can come between them: the cell, then its rollback (with the
 * connection's check, if any). The rollback runs whether the cell succeeded or failed (a failed
 * message only skips its own statements), so cells from many callers stream without waiting for
 * each other and every error stays attributed.
 */
async function executePipelined(connection: WorkerConnection, plan: CellPlan): Promise<Observation> {
  const { client, cellCheck } = connection;
  // Asked again after every wait; nothing is awaited between the free turn and the two messages below.
  for (let wait = connection.turn?.(); wait; wait = connection.turn?.()) await wait;
  const ran = client.query(`savepoint cell; set constraints all immediate; ${plan.setup}; ${plan.statement}`) as unknown as Promise<QueryRows[]>;
  const ended = client.query(cellCheck ? `${END_CELL}; ${cellCheck.sql}` : END_CELL) as unknown as Promise<QueryRows[]>;
  const [cell, rollback] = await Promise.allSettled([ran, ended]);
  if (rollback.status === 'rejected') throw rollbackFailed(connection, plan, rollback.reason);
  if (cellCheck) cellCheck.verify(rollback.value.at(-1)!.rows[0], after(plan));
  if (cell.status === 'fulfilled') return observed(plan, cell.value[cell.value.length - 1]!);
  const fields = databaseErrorFields(cell.reason);
  if (!fields.sqlstate) throw new ConnectionLostError(fields.message, { cause: cell.reason });
  return { rows: 0, targetRows: plan.targetRows, error: errorFields(cell.reason, fields) };
}

/**
 * A rollback that PostgreSQL refused: the connection is broken (it is replaced), or, where a check
 * guards the one transaction (someone else's database), the savepoint is gone with the transaction.
 */
function rollbackFailed(connection: WorkerConnection, plan: CellPlan, cause: unknown): Error {
  if (connection.cellCheck && databaseErrorFields(cause).sqlstate) return connection.cellCheck.ended(after(plan), `the rollback to the cell's savepoint failed (${(cause as Error).message})`);
  return new ConnectionLostError(`could not roll back a cell: ${(cause as Error).message}`, { cause });
}

function after(plan: CellPlan): string {
  return `cell ${plan.cell.id}`;
}

function observed(plan: CellPlan, result: QueryRows): Observation {
  const rows = plan.countFrom === 'select' ? Number((result.rows[0] as { rows: number }).rows) : (result.rowCount ?? 0);
  return { rows, targetRows: plan.anyRows ? Math.max(rows, 1) : plan.targetRows };
}

function errorFields(error: unknown, fields: ReturnType<typeof databaseErrorFields>): DatabaseErrorFields {
  const e = error as { table?: string; constraint?: string };
  return {
    sqlstate: fields.sqlstate!,
    message: fields.message,
    ...(fields.detail ? { detail: fields.detail } : {}),
    ...(fields.hint ? { hint: fields.hint } : {}),
    ...(e.table ? { table: e.table } : {}),
    ...(e.constraint ? { constraint: e.constraint } : {}),
  };
}
