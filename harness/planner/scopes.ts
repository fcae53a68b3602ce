import pg from 'pg';
import { quoteTable, type ValueContext, withPersonaLiterals } from '../../fixtures/index.js';
import { type Cell, type ColumnInfo, databaseErrorFields, formatLocation, HarnessError, type TableInfo } from '../../core/index.js';
import { selectWithClaims } from './claims-batch.js';
import type { PlanContext } from './plan.js';

/** A row's key: its primary key columns as text, or its (tableoid, ctid). */
export type Key = string[];

/** What planning learned about the rows each cell addresses. */
export interface ScopeRows {
  /** Keys of the rows of each scope (or whole table), by `scopeId`. */
  keys: Map<string, Key[]>;
  /**
   * For update cells without `set:`: the current value (text, RLS-free) of the column the update
   * sets, in the scope's first row. The update then carries it as a literal, as an app's PATCH body
   * does, instead of reading the column.
   */
  currentValues: Map<string, string | null>;
}

/**
 * Evaluates every scope (and whole table) the cells address: per persona one round trip, per table
 * one scan that computes every scope's predicate as a column.
 */
export async function evaluateScopes(context: PlanContext, cells: readonly Cell[]): Promise<ScopeRows> {
  const byPersona = new Map<string, Map<string, Map<string, Cell>>>();
  const readsValue = new Set<string>();
  for (const cell of cells) {
    const tables = byPersona.get(cell.persona) ?? new Map<string, Map<string, Cell>>();
    const scopes = tables.get(cell.table) ?? new Map<string, Cell>();
    scopes.set(scopeId(cell), cell);
    tables.set(cell.table, scopes);
    byPersona.set(cell.persona, tables);
    if (cell.operation === 'update' && !cell.set) readsValue.add(`${cell.persona}\u0000${cell.table}`);
  }
  const keys = new Map<string, Key[]>();
  const currentValues = new Map<string, string | null>();
  // Every persona's scopes list the same rows again: share one key array per row, so memory grows
  // with rows, not with personas × scopes × rows.
  const interned = new Map<string, Key>();
  const intern = (table: string, key: Key): Key => {
    const id = `${table}\u0000${key.join('\u0000')}`;
    const known = interned.get(id);
    if (known) return known;
    interned.set(id, key);
    return key;
  };
  for (const [persona, tables] of byPersona) {
    const claims = context.identities.get(persona)!.claims;
    const groups = [...tables].map(([name, scopes]) => {
      const table = context.catalog.tables.get(name)!;
      const valueColumn = readsValue.has(`${persona}\u0000${name}`) && table.kind !== 'view' ? defaultUpdateColumn(table) : undefined;
      return { table, valueColumn, cells: [...scopes.values()] };
    });
    const statements = groups.map(({ table, valueColumn, cells: scoped }) =>
      scopesQuery(
        table,
        scoped.map((c) => scopePredicate(context, c)),
        valueColumn,
      ),
    );
    const results = await selectWithClaims(context.client, claims, statements);
    if (!Array.isArray(results)) throw await scopeFailure(context, persona, groups[results.failed]!.cells);
    groups.forEach(({ table, valueColumn, cells: scoped }, g) => {
      const width = keyWidth(table);
      const flags = width + (valueColumn ? 1 : 0);
      scoped.forEach((cell, i) => {
        const inScope = results[g]!.rows.filter((row) => row[flags + i] === 'true');
        keys.set(
          scopeId(cell),
          inScope.map((row) =>
            intern(
              table.name,
              row.slice(0, width).map((v) => v ?? ''),
            ),
          ),
        );
        if (valueColumn && inScope.length) currentValues.set(scopeId(cell), inScope[0]![width] ?? null);
      });
    });
  }
  return { keys, currentValues };
}

/** Names the scope whose predicate fails, by evaluating each alone. */
async function scopeFailure(context: PlanContext, persona: string, cells: Cell[]): Promise<HarnessError> {
  const statements = cells.map((cell) => scopesQuery(context.catalog.tables.get(cell.table)!, [scopePredicate(context, cell)]));
  const results = await selectWithClaims(context.client, context.identities.get(persona)!.claims, statements);
  const failed = Array.isArray(results) ? 0 : results.failed;
  const cell = cells[failed]!;
  const fields = databaseErrorFields(Array.isArray(results) ? new Error('the scopes fail together but not alone') : results.error);
  return new HarnessError(
    'ERR_SCOPE_FAILED',
    `scope '${cell.scope ?? '(whole table)'}' of ${cell.table} failed for persona ${persona} at ${formatLocation(cell.scopeSource ?? cell.source)}: ${fields.message}${fields.sqlstate ? ` (SQLSTATE ${fields.sqlstate})` : ''}\n  SQL: ${statements[failed]}`,
    Array.isArray(results) ? undefined : { cause: results.error },
  );
}

/** Values as the cell's persona reads them: `@persona.X` and `{persona.X}` are its attributes. */
export function actingAs(context: PlanContext, cell: Cell): ValueContext {
  return { personas: context.matrix.personas, actor: cell.persona };
}

/** The cell's scope predicate with `{persona.X}` replaced by the acting persona's values. */
export function scopePredicate(context: PlanContext, cell: Cell): string | undefined {
  if (!cell.scopePredicate) return undefined;
  try {
    return withPersonaLiterals(actingAs(context, cell), cell.scopePredicate);
  } catch (error) {
    throw new HarnessError('ERR_SCOPE_FAILED', `scope '${cell.scope}' of ${cell.table}: ${(error as Error).message} (persona ${cell.persona}, ${formatLocation(cell.scopeSource ?? cell.source)})`);
  }
}

export function scopeId(cell: Cell): string {
  return `${cell.persona}\u0000${cell.table}\u0000${cell.scope ?? ''}`;
}

/** Key columns (as text), the update's column when asked, then one boolean column per scope predicate (true for the whole table). */
function scopesQuery(table: TableInfo, predicates: (string | undefined)[], valueColumn?: ColumnInfo): string {
  const flags = predicates.map((p) => (p ? `coalesce((${p}), false)::text` : `'true'`));
  // A view's rows have no key: each row as JSON stands in for it (the API path matches the rows it
  // gets back against these; the SQL path only counts them).
  const columns = table.kind === 'view' ? [`(select row_to_json(r)::text from (select ${quoteTable(table)}.*) as r)`] : keyColumns(table).map((c) => `${pg.escapeIdentifier(c.name)}::text`);
  const value = valueColumn ? [`${pg.escapeIdentifier(valueColumn.name)}::text`] : [];
  return `select ${[...columns, ...value, ...flags].join(', ')} from ${quoteTable(table)} order by 1`;
}

function keyWidth(table: TableInfo): number {
  return table.kind === 'view' ? 1 : keyColumns(table).length;
}

const PHYSICAL_KEY: ColumnInfo[] = [
  { name: 'tableoid', type: 'oid', category: 'N', notNull: true, hasDefault: false, generated: true },
  { name: 'ctid', type: 'tid', category: 'U', notNull: true, hasDefault: false, generated: true },
];

function isCtid(table: TableInfo): boolean {
  return table.primaryKey.length === 0;
}

/**
 * A key column list: the primary key, or for a table without one (tableoid, ctid). A ctid alone is
 * unique only within one heap: a partitioned table's partitions each have a row at '(0,1)', so a
 * cell addressing one of them by ctid would reach a row of every partition.
 */
function keyColumns(table: TableInfo): ColumnInfo[] {
  if (isCtid(table)) return PHYSICAL_KEY;
  return table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!);
}

/**
 * What an update without `set:` sets: the first column outside every key (not in the primary key,
 * a foreign key or a unique constraint, not generated). Its value is the scope's first row's, sent
 * to every row of the scope as a PATCH body is: a key or tenant column would move rows between
 * tenants or collide, so those are taken only when the table has nothing else.
 */
export function defaultUpdateColumn(table: TableInfo): ColumnInfo {
  const settable = table.columns.filter((c) => !c.generated && !table.primaryKey.includes(c.name));
  const column = settable.find((c) => !c.keyed) ?? settable[0] ?? table.columns.find((c) => !c.generated);
  if (!column) throw new HarnessError('ERR_ROW_VALUE', `${table.name} has no column an update can set`);
  return column;
}

/** `where` over exactly these rows, by key, as an app filtering with `.eq('id', …)` / `.in(…)` sends it. */
export function whereKeys(table: TableInfo, keys: Key[]): string {
  if (keys.length === 0) return ' where false';
  const columns = keyColumns(table);
  const literal = (key: Key) => key.map((value, i) => `${pg.escapeLiteral(value)}::${columns[i]!.type}`);
  const names = columns.map((c) => pg.escapeIdentifier(c.name));
  if (columns.length === 1) return ` where ${names[0]} in (${keys.map((k) => literal(k)[0]).join(', ')})`;
  return ` where (${names.join(', ')}) in (${keys.map((k) => `(${literal(k).join(', ')})`).join(', ')})`;
}
