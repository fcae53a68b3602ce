import pg from 'pg';
import type { ClientBase } from 'pg';
import { databaseErrorFields } from '../../fixtures/errors.js';
import { seededFaker, seedFromString } from '../../fixtures/generate.js';
import { completeRow, parameterFor, quoteTable, type CompletedRow } from '../../fixtures/rows.js';
import { interpretValue } from '../../fixtures/references.js';
import type { Cell, ColumnInfo, LoadedMatrix, Operation, RowSpec, SchemaCatalog, SourceLocation, TableInfo } from '../../matrix/types.js';
import { formatLocation } from '../../matrix/errors.js';
import { HarnessError } from '../errors.js';
import type { PersonaIdentity } from '../jwt.js';

/** A cell made concrete: the exact statement its persona runs, and how many rows "all" means. */
export interface CellPlan {
  cell: Cell;
  role: string;
  /** The `set_config` calls that make the connection look like PostgREST serving this persona. */
  setup: string;
  /** The operation statement, with literal values. */
  statement: string;
  /** Where the row count comes from: a `count(*)` column for select, the command tag otherwise. */
  countFrom: 'select' | 'command';
  /** Rows the scope (or table) holds without RLS; 1 for insert and upsert. */
  targetRows: number;
}

export interface PlanContext {
  client: ClientBase;
  matrix: LoadedMatrix;
  catalog: SchemaCatalog;
  identities: Map<string, PersonaIdentity>;
}

const METHODS: Record<Operation, string> = { select: 'GET', insert: 'POST', upsert: 'POST', update: 'PATCH', delete: 'DELETE' };

/**
 * Turns cells into plans. Scopes are evaluated here, without RLS (as the connecting role) but with
 * the acting persona's claims, so `auth.uid()` in a scope means the persona; `= expr` row values are
 * evaluated the same way. Runs inside the caller's transaction and leaves nothing behind.
 */
export async function planCells(context: PlanContext, cells: readonly Cell[]): Promise<CellPlan[]> {
  const scopes = new ScopeCache(context);
  const plans: CellPlan[] = [];
  for (const cell of cells) plans.push(await planCell(context, scopes, cell));
  return plans;
}

async function planCell(context: PlanContext, scopes: ScopeCache, cell: Cell): Promise<CellPlan> {
  const table = context.catalog.tables.get(cell.table)!;
  const identity = context.identities.get(cell.persona)!;
  const base = { cell, role: identity.role, setup: setupFor(table, identity, cell.operation) };
  const returning = cell.returning ? ' returning *' : '';
  const target = quoteTable(table);

  switch (cell.operation) {
    case 'select': {
      const keys = await scopes.keys(cell);
      return { ...base, countFrom: 'select', targetRows: keys.length, statement: `select count(*)::int as rows from (select * from ${target}${whereKeys(table, keys)}) as cell` };
    }
    case 'delete': {
      const keys = await scopes.keys(cell);
      return { ...base, countFrom: 'command', targetRows: keys.length, statement: `delete from ${target}${whereKeys(table, keys)}${returning}` };
    }
    case 'update': {
      const keys = await scopes.keys(cell);
      const assignments = cell.set ? await evaluateAssignments(context, table, cell, cell.set) : defaultAssignment(table);
      return { ...base, countFrom: 'command', targetRows: keys.length, statement: `update ${target} set ${assignments}${whereKeys(table, keys)}${returning}` };
    }
    case 'insert': {
      const row = await evaluateRow(context, table, cell, cell.row ?? {});
      return { ...base, countFrom: 'command', targetRows: 1, statement: `${insertInto(target, row)}${returning}` };
    }
    case 'upsert': {
      const key = keyColumns(table);
      if (table.primaryKey.length === 0) throw rowError(cell, `upsert needs a primary key, and ${table.name} has none`);
      let spec: RowSpec = cell.row ?? {};
      if (!table.primaryKey.some((c) => c in spec)) {
        // Exercise the conflict path: take the key of an existing row of the scope.
        const [first] = await scopes.keys(cell);
        if (first) spec = { ...spec, ...Object.fromEntries(key.map((c, i) => [c.name, verbatim(first[i]!)])) };
      }
      const row = await evaluateRow(context, table, cell, spec);
      const updates = row.map(([column]) => `${pg.escapeIdentifier(column.name)} = excluded.${pg.escapeIdentifier(column.name)}`);
      const conflict = table.primaryKey.map((c) => pg.escapeIdentifier(c)).join(', ');
      return { ...base, countFrom: 'command', targetRows: 1, statement: `${insertInto(target, row)} on conflict (${conflict}) do update set ${updates.join(', ')}${returning}` };
    }
  }
}

/** PostgREST's per-request settings (search_path, role, claims, method, path), all transaction-local. */
function setupFor(table: TableInfo, identity: PersonaIdentity, operation: Operation): string {
  const searchPath = [...new Set([table.schema, 'public', 'extensions'])].map((s) => pg.escapeIdentifier(s)).join(', ');
  const settings: [string, string][] = [
    ['search_path', searchPath],
    ['role', identity.role],
    ['request.jwt.claims', JSON.stringify(identity.claims)],
    ['request.method', METHODS[operation]],
    ['request.path', `/${table.table}`],
    ['request.headers', '{}'],
    ['request.cookies', '{}'],
  ];
  return `select ${settings.map(([k, v]) => `set_config(${pg.escapeLiteral(k)}, ${pg.escapeLiteral(v)}, true)`).join(', ')}`;
}

type Key = string[];
type LiteralRow = [ColumnInfo, string][];

/** A key column list: the primary key, or ctid for a table without one. */
function keyColumns(table: TableInfo): ColumnInfo[] {
  if (table.primaryKey.length === 0) return [{ name: 'ctid', type: 'tid', category: 'U', notNull: true, hasDefault: false, generated: true }];
  return table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!);
}

function whereKeys(table: TableInfo, keys: Key[]): string {
  const columns = keyColumns(table);
  const literal = (key: Key) => key.map((value, i) => `${pg.escapeLiteral(value)}::${columns[i]!.type}`);
  if (keys.length === 0) return ' where false';
  const names = columns.map((c) => (c.name === 'ctid' && table.primaryKey.length === 0 ? 'ctid' : pg.escapeIdentifier(c.name)));
  if (columns.length === 1) return ` where ${names[0]} in (${keys.map((k) => literal(k)[0]).join(', ')})`;
  return ` where (${names.join(', ')}) in (${keys.map((k) => `(${literal(k).join(', ')})`).join(', ')})`;
}

function defaultAssignment(table: TableInfo): string {
  const column = table.columns.find((c) => !c.generated && !table.primaryKey.includes(c.name)) ?? table.columns.find((c) => !c.generated);
  if (!column) throw new HarnessError('ERR_ROW_VALUE', `${table.name} has no column an update can set`);
  const name = pg.escapeIdentifier(column.name);
  return `${name} = ${name}`;
}

function insertInto(target: string, row: LiteralRow): string {
  if (!row.length) return `insert into ${target} default values`;
  return `insert into ${target} (${row.map(([c]) => pg.escapeIdentifier(c.name)).join(', ')}) values (${row.map(([, v]) => v).join(', ')})`;
}

async function evaluateAssignments(context: PlanContext, table: TableInfo, cell: Cell, set: RowSpec): Promise<string> {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const entries: CompletedRow['entries'] = Object.entries(set).map(([name, value]) => {
    const column = byName.get(name);
    if (!column) throw rowError(cell, `set: ${table.name} has no column '${name}'`);
    return [column, interpretValue(context.matrix, value)];
  });
  const row = await toLiterals(context, cell, { table, entries });
  return row.map(([c, v]) => `${pg.escapeIdentifier(c.name)} = ${v}`).join(', ');
}

/** Completes the row (faker, seeded by the cell id so a cell writes the same row in every run) and evaluates it to literals. */
async function evaluateRow(context: PlanContext, table: TableInfo, cell: Cell, spec: RowSpec): Promise<LiteralRow> {
  const faker = seededFaker(seedFromString(cell.id));
  let completed: CompletedRow;
  try {
    completed = await completeRow(context.client, context.matrix, table, spec, faker, cell.rowSource ?? cell.source);
  } catch (error) {
    throw new HarnessError('ERR_ROW_VALUE', (error as Error).message, { cause: error });
  }
  return toLiterals(context, cell, completed);
}

/** Evaluates every value RLS-free under the persona's claims and returns `'text'::type` literals. */
async function toLiterals(context: PlanContext, cell: Cell, row: CompletedRow): Promise<LiteralRow> {
  if (!row.entries.length) return [];
  const values: unknown[] = [];
  const expressions = row.entries.map(([column, value]) => {
    if (value.kind === 'sql') return `((${value.sql})::${column.type})::text`;
    values.push(parameterFor(column, value.value));
    return `($${values.length}::${column.type})::text`;
  });
  const sql = `select ${expressions.join(', ')}`;
  const result = await withPersonaClaims(context, cell.persona, () => context.client.query({ text: sql, values, rowMode: 'array' })).catch((error: unknown) => {
    const fields = databaseErrorFields(error);
    throw rowError(cell, `a row value for ${row.table.name} did not evaluate: ${fields.message}${fields.sqlstate ? ` (SQLSTATE ${fields.sqlstate})` : ''}`);
  });
  const texts = result.rows[0] as (string | null)[];
  return row.entries.map(([column], i) => [column, texts[i] === null ? `null::${column.type}` : `${pg.escapeLiteral(texts[i]!)}::${column.type}`]);
}

/** A database value as a row spec value that `interpretValue` reads back unchanged. */
function verbatim(text: string): string {
  return text.startsWith('@') || text.startsWith('=') ? `\\${text}` : text;
}

function rowError(cell: Cell, message: string): HarnessError {
  const where: SourceLocation = cell.rowSource ?? cell.source;
  return new HarnessError('ERR_ROW_VALUE', `${message} (cell ${cell.id}, ${formatLocation(where)})`);
}

/** Runs `work` in a savepoint with the persona's claims set, as the connecting role (no RLS). */
async function withPersonaClaims<T>(context: PlanContext, persona: string, work: () => Promise<T>): Promise<T> {
  const claims = JSON.stringify(context.identities.get(persona)!.claims);
  await context.client.query(`savepoint plan; select set_config('request.jwt.claims', ${pg.escapeLiteral(claims)}, true)`);
  try {
    return await work();
  } finally {
    await context.client.query('rollback to savepoint plan');
  }
}

/** Scope row keys per persona × table × scope, evaluated once. */
class ScopeCache {
  readonly #keys = new Map<string, Promise<Key[]>>();
  constructor(readonly context: PlanContext) {}

  keys(cell: Cell): Promise<Key[]> {
    const id = `${cell.persona}\u0000${cell.table}\u0000${cell.scope ?? ''}`;
    let keys = this.#keys.get(id);
    if (!keys) {
      keys = this.#evaluate(cell);
      this.#keys.set(id, keys);
    }
    return keys;
  }

  async #evaluate(cell: Cell): Promise<Key[]> {
    const { context } = this;
    const table = context.catalog.tables.get(cell.table)!;
    const predicate = cell.scopePredicate;
    const columns = keyColumns(table).map((c) => (c.name === 'ctid' && table.primaryKey.length === 0 ? 'ctid::text' : `${pg.escapeIdentifier(c.name)}::text`));
    const sql = `select ${columns.join(', ')} from ${quoteTable(table)}${predicate ? ` where (${predicate})` : ''} order by 1`;
    // row_security = off makes a connecting role that is subject to RLS fail loudly instead of seeing less.
    const run = () => context.client.query({ text: `set local row_security = off; ${sql}`, rowMode: 'array' });
    const result = await withPersonaClaims(context, cell.persona, run).catch((error: unknown) => {
      const fields = databaseErrorFields(error);
      const where = formatLocation(cell.scopeSource ?? cell.source);
      throw new HarnessError('ERR_SCOPE_FAILED', `scope '${cell.scope ?? '(whole table)'}' of ${cell.table} failed for persona ${cell.persona} at ${where}: ${fields.message}${fields.sqlstate ? ` (SQLSTATE ${fields.sqlstate})` : ''}\n  SQL: ${sql}`, { cause: error });
    });
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return (last.rows as (string | null)[][]).map((row) => row.map((v) => v ?? ''));
  }
}
