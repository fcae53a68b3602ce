import type { ClientBase, QueryResult } from 'pg';
import { type DatabaseErrorFields, databaseErrorFields } from '../../core/index.js';
import type { Observation } from './classify.js';
import type { CellPlan } from '../planner/plan.js';

/** Raised when the connection itself failed, so the pool replaces it. */
export class ConnectionLostError extends Error {
  override name = 'ConnectionLostError';
  readonly code = 'ERR_CONNECTION_LOST';
}

/**
 * Runs one cell as PostgREST would run the request, in one round trip on success:
 * savepoint, the persona's settings, the operation, rollback to the savepoint. After an error the
 * rollback is sent on its own (a multi-statement string stops at its first error).
 * Nothing a cell does outlives it.
 */
export async function executeCell(client: ClientBase, plan: CellPlan): Promise<Observation> {
  if ((client as { pipeline?: boolean }).pipeline) return executePipelined(client, plan);
  const text = `savepoint cell; set constraints all immediate; ${plan.setup}; ${plan.statement}; rollback to savepoint cell`;
  try {
    const results = (await client.query(text)) as unknown as QueryResult[];
    // The operation's result is the last before the rollback (the setup may be one statement or two).
    return observed(plan, results[results.length - 2]!);
  } catch (error) {
    const fields = databaseErrorFields(error);
    if (!fields.sqlstate) throw new ConnectionLostError(fields.message, { cause: error });
    await client.query('rollback to savepoint cell').catch((cause: unknown) => {
      throw new ConnectionLostError(`could not roll back a cell: ${(cause as Error).message}`, { cause });
    });
    return { rows: 0, targetRows: plan.targetRows, error: errorFields(error, fields) };
  }
}

/**
 * On a pipelined connection a cell is two messages queued back to back in one synchronous step, so
 * no other cell's messages can come between them: the cell, then its rollback. The rollback runs
 * whether the cell succeeded or failed (a failed message only skips its own statements), so cells
 * from many callers stream without waiting for each other and every error stays attributed.
 */
async function executePipelined(client: ClientBase, plan: CellPlan): Promise<Observation> {
  const ran = client.query(`savepoint cell; set constraints all immediate; ${plan.setup}; ${plan.statement}`) as unknown as Promise<QueryResult[]>;
  const rolledBack = client.query('rollback to savepoint cell');
  renewTransactionEvery(client, CELLS_PER_TRANSACTION);
  const [cell, rollback] = await Promise.allSettled([ran, rolledBack]);
  if (rollback.status === 'rejected') throw new ConnectionLostError(`could not roll back a cell: ${(rollback.reason as Error).message}`, { cause: rollback.reason });
  if (cell.status === 'fulfilled') return observed(plan, cell.value[cell.value.length - 1]!);
  const fields = databaseErrorFields(cell.reason);
  if (!fields.sqlstate) throw new ConnectionLostError(fields.message, { cause: cell.reason });
  return { rows: 0, targetRows: plan.targetRows, error: errorFields(cell.reason, fields) };
}

// PostgreSQL keeps the lock on every rolled-back subtransaction's xid until the transaction ends, so
// a connection running thousands of writing cells in one transaction runs out of shared lock
// memory (53200). Nothing is committed either way: end the transaction and begin another.
const CELLS_PER_TRANSACTION = 500;
const cellsInTransaction = new WeakMap<ClientBase, number>();

function renewTransactionEvery(client: ClientBase, cells: number): void {
  const count = (cellsInTransaction.get(client) ?? 0) + 1;
  if (count < cells) {
    cellsInTransaction.set(client, count);
    return;
  }
  cellsInTransaction.set(client, 0);
  // Queued right behind this cell's rollback, before any other cell: it lands between two cells.
  void client.query('rollback; begin').catch(() => undefined);
}

function observed(plan: CellPlan, result: QueryResult): Observation {
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
