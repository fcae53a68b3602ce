import type { CellStatus, ExecutedVia, FidelityMismatch, Outcome } from '../../core/index.js';
import type { WorkerConnection } from '../../database/index.js';
import { classifyOutcome, type Observation } from './classify.js';
import { executeCell } from './execute.js';
import { judgeOutcome } from './judge.js';
import type { CellPlan } from '../planner/plan.js';
import type { ApiExecutor } from './postgrest/index.js';

/**
 * How the pool runs a cell: `undefined` for the SQL executor (the pool's default); through the API
 * (cells the API cannot take run as SQL and say why); or, for the cross-check, as SQL and then
 * through the API, the API's observation kept beside the SQL one.
 */
export function cellExecutor(api: ApiExecutor | undefined, crossCheck: boolean, timeoutMs: number): ((connection: WorkerConnection, plan: CellPlan) => Promise<Observation>) | undefined {
  if (!api) return undefined;
  return async (connection, plan) => {
    const reason = api.sqlReason(plan);
    if (reason) return { ...(await executeCell(connection, plan)), via: { executor: 'sql', reason } };
    if (!crossCheck) return api.run(plan, timeoutMs);
    const sql = await executeCell(connection, plan);
    return { ...sql, twin: await api.run(plan, timeoutMs) };
  };
}

/** A cell's outcome and status, and under the cross-check the disagreement, if any (which fails the cell). */
export function judgeCell(plan: CellPlan, observation: Observation): { outcome: Outcome; status: CellStatus; via?: ExecutedVia; fidelity?: FidelityMismatch } {
  // A cell the planner knows proves nothing is an error whatever it observed (see CellPlan.vacuous).
  const outcome: Outcome = plan.vacuous ? { rows: 0, targetRows: 0, class: 'error', vacuous: true, reason: plan.vacuous } : classifyOutcome(observation);
  const status = judgeOutcome(plan.cell.expected, outcome);
  const via = observation.via ? { via: observation.via } : {};
  if (!observation.twin || plan.vacuous) return { outcome, status, ...via };
  const api = classifyOutcome(observation.twin);
  if (sameOutcome(outcome, api)) return { outcome, status, ...via };
  const exchange = observation.twin.via?.executor === 'postgrest' ? observation.twin.via.exchange : undefined;
  return { outcome, status: 'fail', ...via, fidelity: { sql: { statement: plan.statement, outcome }, postgrest: { outcome: api, ...(exchange ? { exchange } : {}) } } };
}

/**
 * Whether two executors observed the same thing: the same class over the same number of rows, and
 * the same SQLSTATE when both failed (messages may differ in wording between the paths).
 */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  return a.class === b.class && a.rows === b.rows && a.targetRows === b.targetRows && a.error?.sqlstate === b.error?.sqlstate;
}
