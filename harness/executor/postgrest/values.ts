import { type DatabaseErrorFields, databaseErrorFields, type QueryRows, type Queryable } from '../../../core/index.js';
import type { CellPlan } from '../../planner/plan.js';

/** A cell's values as the JSON body its app call sends, or why they do not convert. */
export type JsonValues = { values: unknown[] } | { error: DatabaseErrorFields };

/**
 * Converts each plan's typed SQL literals into the JSON an app sends (arrays as JSON arrays, json
 * columns as JSON, timestamps as ISO strings), as PostgreSQL's own `to_json` writes them: PostgREST
 * reads them back with the columns' types. One round trip for the chunk; when a value does not
 * parse for its type, each cell is converted alone and the failing ones carry the error (the SQL
 * executor meets the same error when the cell runs). Runs in the caller's transaction, in a
 * savepoint it rolls back.
 */
export async function jsonValues(client: Queryable, plans: readonly CellPlan[]): Promise<Map<CellPlan, JsonValues>> {
  const converted = new Map<CellPlan, JsonValues>();
  const pending = plans.filter((p) => p.call.values.length > 0);
  if (!pending.length) return converted;
  const statement = (plan: CellPlan) => `select json_build_array(${plan.call.values.map(([, literal]) => literal).join(', ')})::text`;
  try {
    const results = (await client.query(
      `savepoint rls_matrix_json; ${pending.map(statement).join('; ')}; rollback to savepoint rls_matrix_json; release savepoint rls_matrix_json`,
    )) as unknown as QueryRows[];
    for (const [i, plan] of pending.entries()) converted.set(plan, { values: JSON.parse((results[i + 1]!.rows[0] as { json_build_array: string }).json_build_array) as unknown[] });
    return converted;
  } catch {
    await client.query('rollback to savepoint rls_matrix_json; release savepoint rls_matrix_json');
  }
  for (const plan of pending) {
    try {
      const [, result] = (await client.query(`savepoint rls_matrix_json; ${statement(plan)}; rollback to savepoint rls_matrix_json; release savepoint rls_matrix_json`)) as unknown as QueryRows[];
      converted.set(plan, { values: JSON.parse((result!.rows[0] as { json_build_array: string }).json_build_array) as unknown[] });
    } catch (error) {
      await client.query('rollback to savepoint rls_matrix_json; release savepoint rls_matrix_json');
      const fields = databaseErrorFields(error);
      converted.set(plan, { error: { sqlstate: fields.sqlstate ?? 'XX000', message: fields.message } });
    }
  }
  return converted;
}
