import type { ApiExchange, FunctionInfo } from '../../../core/index.js';
import type { Observation } from '../classify.js';
import type { CellPlan } from '../../planner/plan.js';

/** What supabase-js hands back for a call (PostgrestResponse, loosely). */
export interface ApiAnswer {
  data: unknown;
  error: { code?: string; message: string; details?: string | null; hint?: string | null } | null;
  count: number | null;
  status: number;
}

/** An observation made through the API (always carries how). */
export type ApiObservation = Observation & { via: { executor: 'postgrest'; exchange?: ApiExchange } };

/**
 * Turns PostgREST's answer into the observation the classifier reads, so both executors are judged
 * by the same rules. An error's `code` is the SQLSTATE PostgreSQL raised (PostgREST passes it
 * through, with the HTTP status it maps it to: 42501 → 401 for anon, 403 otherwise; 25006 → 405;
 * 23503 → 409; P0001 → 400) or PostgREST's own PGRSTnnn, which the classifier treats as `error`.
 * A request that got no answer (refused connection, timeout) is an error of its own. Pure.
 *
 * Rows: the exact count PostgREST reports (Content-Range, from `count: 'exact'`), the rows returned
 * for `.select()` after a write, the rpc's result (rows of a set, 1 for a non-null value or a void
 * call), and for a view the returned rows that are rows of the scope.
 */
export function observeAnswer(plan: CellPlan, answer: ApiAnswer, exchange: ApiExchange | undefined, shape: { rpc?: FunctionInfo; viewRows?: readonly string[] }): ApiObservation {
  const via = { executor: 'postgrest' as const, ...(exchange ? { exchange } : {}) };
  const targetRows = plan.targetRows;
  if (answer.error) {
    const { code, message, details, hint } = answer.error;
    // Status 0: no answer at all (refused, reset, timed out); supabase-js then puts the fetch error's
    // own code (an errno, a DOMException number) where PostgREST puts a SQLSTATE.
    const sqlstate = answer.status === 0 ? '08006' : code || `HTTP${answer.status}`;
    return { rows: 0, targetRows, error: { sqlstate, message, ...(details ? { detail: details } : {}), ...(hint ? { hint } : {}) }, via };
  }
  const rows = shape.viewRows
    ? rowsOfScope(answer.data, shape.viewRows)
    : shape.rpc
      ? rpcRows(answer.data, shape.rpc)
      : ((plan.cell.returning ? arrayLength(answer.data) : answer.count) ?? arrayLength(answer.data) ?? 0);
  return { rows, targetRows: plan.anyRows ? Math.max(rows, 1) : targetRows, via };
}

function arrayLength(data: unknown): number | undefined {
  return Array.isArray(data) ? data.length : undefined;
}

/**
 * Rows of an rpc's result by the function's declared return kind, as the SQL path counts them: a
 * set (or composite) is a JSON array of rows (an object when PostgREST returns it as one row); a
 * scalar is one value whatever its JSON shape (`[]`, `[1,2,3]` and `{}` are one value each), none
 * when the body is `null` (SQL NULL and a JSON null look the same through the API); a void call is one.
 */
function rpcRows(data: unknown, fn: FunctionInfo): number {
  if (fn.returns === 'void') return 1;
  if (fn.returns === 'set' && Array.isArray(data)) return data.length;
  return data === null || data === undefined ? 0 : 1;
}

/** How many of the returned rows are rows of the scope (each scope row counts once per copy). */
function rowsOfScope(data: unknown, scopeRows: readonly string[]): number {
  const left = new Map<string, number>();
  for (const row of scopeRows) {
    const key = JSON.stringify(JSON.parse(row));
    left.set(key, (left.get(key) ?? 0) + 1);
  }
  let rows = 0;
  for (const row of Array.isArray(data) ? data : []) {
    const key = JSON.stringify(row);
    const n = left.get(key) ?? 0;
    if (n > 0) {
      left.set(key, n - 1);
      rows++;
    }
  }
  return rows;
}
