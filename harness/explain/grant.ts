import pg from 'pg';
import type { CellResult, TableInfo, Queryable } from '../../core/index.js';
import type { CellPlan } from '../planner/plan.js';

/** The table privileges each operation needs (UPDATE and DELETE read the key they filter on: SELECT too). */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  select: ['SELECT'],
  insert: ['INSERT'],
  update: ['UPDATE', 'SELECT'],
  delete: ['DELETE', 'SELECT'],
  upsert: ['INSERT', 'UPDATE', 'SELECT'],
};

/** `permission denied for table docs` → kind and name. */
const DENIED = /^permission denied for (table|view|sequence|function|schema|relation|column|large object) (.+)$/;

/**
 * The grant a privilege denial lacks, as the statement that would add it. On the cell's own table the
 * catalogue says which table or column privilege the role lacks; on another object (a table a policy
 * reads, a sequence, a function, a schema) the error names it and the privilege follows from its kind.
 */
export async function missingGrant(client: Queryable, plan: CellPlan, table: TableInfo | undefined, error: NonNullable<CellResult['outcome']['error']>): Promise<string | undefined> {
  const match = DENIED.exec(error.message);
  if (!match) return undefined;
  const [, kind, name] = match as unknown as [string, string, string];
  const role = pg.escapeIdentifier(plan.role);
  if (kind === 'function') return `grant execute on function ${name} to ${role}`;
  if (kind === 'schema') return `grant usage on schema ${pg.escapeIdentifier(name)} to ${role}`;
  if (kind === 'sequence') return `grant usage on sequence ${name} to ${role}`;
  if (plan.cell.operation === 'rpc' || !table || name !== table.table) return `grant select on ${name} to ${role}`;
  const target = `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(table.table)}`;
  const needed = [...(NEEDS[plan.cell.operation] ?? ['SELECT']), ...(plan.cell.returning ? ['SELECT'] : [])];
  const columns = plan.call.values.map(([c]) => c.name);
  const lacking: string[] = [];
  for (const privilege of new Set(needed)) {
    const { rows } = await client.query<{ has: boolean; cols: string[] }>(
      `select has_table_privilege($1, $2::regclass, $3) as has,
              array(select c from unnest($4::text[]) as c where not has_column_privilege($1, $2::regclass, c, $3)) as cols`,
      [plan.role, target, privilege, privilege === 'SELECT' || privilege === 'DELETE' ? [] : columns],
    );
    const { has, cols } = rows[0]!;
    if (has) continue;
    // Column privileges suffice when every column written has one; then only the missing columns are named.
    if (privilege !== 'SELECT' && privilege !== 'DELETE' && columns.length && cols.length < columns.length) {
      if (cols.length) lacking.push(`grant ${privilege.toLowerCase()} (${cols.map((c) => pg.escapeIdentifier(c)).join(', ')}) on ${target} to ${role}`);
      continue;
    }
    // SELECT by column suffices too when the columns read have it; the key is what these cells read.
    if (privilege === 'SELECT') {
      const key = table.primaryKey;
      const { rows: keyRows } = await client.query<{ ok: boolean }>(`select bool_and(has_column_privilege($1, $2::regclass, c, 'SELECT')) as ok from unnest($3::text[]) as c`, [
        plan.role,
        target,
        key,
      ]);
      if (key.length && keyRows[0]?.ok && plan.cell.operation !== 'select') continue;
    }
    lacking.push(`grant ${privilege.toLowerCase()} on ${target} to ${role}`);
  }
  return lacking.length ? lacking.join('; ') : undefined;
}
