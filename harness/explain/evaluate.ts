import pg from 'pg';
import { quoteTable } from '../../fixtures/index.js';
import { databaseErrorFields, type PolicyEvaluation, type PolicyInfo, type PolicyValue, type TableInfo, type Queryable } from '../../core/index.js';
import type { CellPlan } from '../planner/plan.js';
import { whereKeys } from '../planner/scopes.js';
import { gateExpression, type PolicyGate, policiesFor } from './decide.js';

/** A row as JSON (`to_jsonb` of the table's row type), and how reports name it. */
export interface RowImage {
  label: string;
  json: string;
}

/**
 * Reads a row of the scope as the connecting role (row-level security does not apply to it), as JSON.
 * Undefined when the row is gone (a trigger or another fixture removed it).
 */
export async function readRow(client: Queryable, table: TableInfo, key: string[]): Promise<RowImage | undefined> {
  const { rows } = await client.query<{ row: string }>(`select to_jsonb(t)::text as row from ${quoteTable(table)} as t${whereKeys(table, [key])}`);
  if (!rows[0]) return undefined;
  const names = table.primaryKey.length ? table.primaryKey : ['ctid'];
  return { label: names.map((n, i) => `${n}=${key[i]}`).join(', '), json: rows[0].row };
}

/** The row an UPDATE (or an upsert's conflict path) leaves: the existing row with the cell's values over it. */
export async function updatedRow(client: Queryable, plan: CellPlan, existing: RowImage): Promise<RowImage> {
  const pairs = plan.call.values.map(([column, literal]) => `${pg.escapeLiteral(column.name)}, ${literal}`);
  if (!pairs.length) return { label: `${existing.label} (updated)`, json: existing.json };
  const { rows } = await client.query<{ row: string }>(`select (${pg.escapeLiteral(existing.json)}::jsonb || jsonb_build_object(${pairs.join(', ')}))::text as row`);
  return { label: `${existing.label} (updated)`, json: rows[0]!.row };
}

/**
 * The row an INSERT proposes, as the policies' WITH CHECK sees it: the cell's values, column
 * defaults and BEFORE triggers applied. Written as the connecting role under the persona's settings
 * (so `auth.uid()` in a default is the persona) inside a savepoint that is rolled back, so nothing
 * stays. Undefined, with the reason, when it cannot be written that way (a constraint, a trigger).
 */
export async function proposedRow(client: Queryable, plan: CellPlan, table: TableInfo): Promise<RowImage | { failed: string }> {
  const columns = plan.call.values.map(([c]) => pg.escapeIdentifier(c.name));
  const values = plan.call.values.map(([, literal]) => literal);
  const insert = columns.length ? `(${columns.join(', ')}) values (${values.join(', ')})` : 'default values';
  await client.query(`savepoint explain_row; ${plan.setup}; set local role none`);
  try {
    const { rows } = (await client.query(`insert into ${quoteTable(table)} as t ${insert} returning to_jsonb(t)::text as row`)) as { rows: { row: string }[] };
    return { label: 'new row', json: rows[0]!.row };
  } catch (error) {
    const fields = databaseErrorFields(error);
    return { failed: `the proposed row cannot be reproduced without row-level security (${fields.sqlstate ?? ''} ${fields.message})` };
  } finally {
    await client.query('rollback to savepoint explain_row');
  }
}

/**
 * Evaluates every applicable policy's expression of each gate for one row, as PostgreSQL would: as
 * the persona's role with its claims and request settings (the executor's own setup), the row given
 * as a record named like the table, so column references resolve to it while subqueries in the
 * expression still see other tables through their own policies. Each expression in its own
 * savepoint: one that raises an error is recorded with it and does not stop the others.
 * The caller holds a transaction (or savepoint) that is rolled back.
 */
export async function evaluateGates(
  client: Queryable,
  plan: CellPlan,
  table: TableInfo,
  policies: readonly PolicyInfo[],
  memberOf: ReadonlySet<string>,
  row: RowImage,
  on: 'existing' | 'new',
  gates: readonly PolicyGate[],
): Promise<PolicyEvaluation[]> {
  const evaluations: PolicyEvaluation[] = [];
  await client.query(`savepoint explain_eval; ${plan.setup}`);
  try {
    for (const gate of gates) {
      for (const policy of policiesFor(policies, gate.command, memberOf)) {
        const expression = gateExpression(policy, gate);
        if (expression === undefined) continue;
        const value = await evaluate(client, table, expression, row.json);
        evaluations.push({ policy: policy.name, clause: gate.clause, command: gate.command, permissive: policy.permissive, on, value });
      }
    }
  } finally {
    await client.query('rollback to savepoint explain_eval');
  }
  return evaluations;
}

async function evaluate(client: Queryable, table: TableInfo, expression: string, json: string): Promise<PolicyValue> {
  const sql = `select (${expression})::boolean as v from jsonb_populate_record(null::${quoteTable(table)}, ${pg.escapeLiteral(json)}::jsonb) as ${pg.escapeIdentifier(table.table)}`;
  try {
    const results = (await client.query(`savepoint explain_expr; ${sql}; release savepoint explain_expr`)) as unknown as { rows: { v: boolean | null }[] }[];
    return results[1]!.rows[0]?.v ?? null;
  } catch (error) {
    await client.query('rollback to savepoint explain_expr');
    const fields = databaseErrorFields(error);
    return { error: `${fields.sqlstate ? `${fields.sqlstate} ` : ''}${fields.message}` };
  }
}
