import type { Faker } from '@faker-js/faker';
import pg from 'pg';
import type { ClientBase } from 'pg';
import { databaseErrorFields } from '../../fixtures/errors.js';
import { seededFaker, seedFromString } from '../../fixtures/generate.js';
import { interpretValue, withPersonaLiterals, type ValueContext } from '../../fixtures/references.js';
import { completeRow, quoteTable, type CompletedRow, type ReferenceCache } from '../../fixtures/rows.js';
import { formatLocation } from '../../matrix/errors.js';
import type { Cell, CellOperation, ColumnInfo, FunctionInfo, LoadedMatrix, RowSpec, SchemaCatalog, TableInfo } from '../../matrix/types.js';
import { HarnessError } from '../errors.js';
import type { PersonaIdentity } from '../jwt.js';
import { selectWithClaims } from './claims-batch.js';
import { sqlLiteral } from './literals.js';

/** A cell made concrete: the exact statement its persona runs, and how many rows "all" means. */
export interface CellPlan {
  cell: Cell;
  role: string;
  /** The `set_config` calls that make the connection look like PostgREST serving this persona. */
  setup: string;
  /**
   * The operation statement, with literal values. Built on first read from keys shared by every
   * cell of the scope: a chunk's plans wait with their key lists, not with their statements.
   */
  readonly statement: string;
  /** Where the row count comes from: a `count(*)` column for select, the command tag otherwise. */
  countFrom: 'select' | 'command';
  /** Rows the scope (or table) holds without RLS; 1 for insert and upsert. */
  targetRows: number;
  /** rpc without an expected row count: any number of rows means the call was allowed. */
  anyRows?: boolean;
}

export interface PlanContext {
  client: ClientBase;
  matrix: LoadedMatrix;
  catalog: SchemaCatalog;
  identities: Map<string, PersonaIdentity>;
  /**
   * What the run put before this matrix's cell ids (`2:` when it runs several files). Generated
   * values are seeded by the id without it, so a cell writes the same row whether its file runs
   * alone or with others.
   */
  idPrefix?: string;
}

const METHODS: Record<CellOperation, string> = { select: 'GET', insert: 'POST', upsert: 'POST', update: 'PATCH', delete: 'DELETE', rpc: 'POST' };

type Key = string[];
type LiteralRow = [ColumnInfo, string][];

/**
 * Turns cells into plans. Scopes are evaluated without RLS (as the connecting role) but with the
 * acting persona's claims, so `auth.uid()` in a scope means the persona; `= expr` row values are
 * evaluated the same way. Both are batched per persona, one round trip each. Runs inside the
 * caller's transaction and leaves nothing behind.
 */
export async function planCells(context: PlanContext, cells: readonly Cell[]): Promise<CellPlan[]> {
  const keys = await evaluateScopes(context, cells.filter((c) => c.operation !== 'insert' && c.operation !== 'rpc'));
  const keysOf = (cell: Cell) => keys.get(scopeId(cell))!;

  const references: ReferenceCache = new Map();
  const faker = await seededFaker(0);
  const rows = new Map<Cell, CompletedRow>();
  for (const cell of cells) {
    const row = await rowFor(context, cell, keysOf, references, faker);
    if (row) rows.set(cell, row);
  }
  const literals = await evaluateRows(context, rows);
  const setupFor = setupCache();
  return cells.map((cell) => buildPlan(context, cell, keysOf, literals.get(cell) ?? [], setupFor));
}

/**
 * PostgREST's per-request settings (search_path, role, claims, method, path), all transaction-local;
 * shared by every cell of a persona on a path within one chunk. Not kept beyond it: one string per
 * persona × table × operation (~700 bytes each) would grow with the matrix.
 */
function setupCache(): (schema: string, path: string, identity: PersonaIdentity, operation: CellOperation) => string {
  const cache = new Map<PersonaIdentity, Map<string, string>>();
  return (schema, path, identity, operation) => {
    const byIdentity = cache.get(identity) ?? new Map<string, string>();
    cache.set(identity, byIdentity);
    const id = `${schema}\u0000${path}\u0000${operation}`;
    let setup = byIdentity.get(id);
    if (setup === undefined) {
      setup = requestSettings(schema, path, identity, operation);
      byIdentity.set(id, setup);
    }
    return setup;
  };
}

function buildPlan(context: PlanContext, cell: Cell, keysOf: (cell: Cell) => Key[], row: LiteralRow, setupFor: ReturnType<typeof setupCache>): CellPlan {
  const identity = context.identities.get(cell.persona)!;
  if (cell.operation === 'rpc') {
    const fn = resolveFunction(context, cell);
    const setup = setupFor(fn.schema, `/rpc/${fn.function}`, identity, 'rpc');
    const call = `${pg.escapeIdentifier(fn.schema)}.${pg.escapeIdentifier(fn.function)}(${row.map(([arg, v]) => `${pg.escapeIdentifier(arg.name)} => ${v}`).join(', ')})`;
    const statement =
      fn.returns === 'set'
        ? `select count(*)::int as rows from ${call} as r`
        : fn.returns === 'void'
          ? `select count(*)::int as rows from (select ${call}) as r`
          : `select count(*)::int as rows from (select ${call} as v) as r where r.v is not null`;
    return { cell, role: identity.role, setup, statement, countFrom: 'select', targetRows: cell.expectedRows ?? 1, ...(cell.expectedRows === undefined ? { anyRows: true } : {}) };
  }

  const table = context.catalog.tables.get(cell.table)!;
  const base = { cell, role: identity.role, setup: setupFor(table.schema, `/${table.table}`, identity, cell.operation) };
  const returning = cell.returning ? ' returning *' : '';
  const target = quoteTable(table);
  const assignments = (pairs: LiteralRow) => pairs.map(([c, v]) => `${pg.escapeIdentifier(c.name)} = ${v}`).join(', ');

  if (table.kind === 'view') {
    // Views have no key to address rows by: the cell reads the scope's rows through the view.
    if (cell.operation !== 'select') throw rowError(cell, `${table.name} is a view: only select cells run on views`);
    const predicate = scopePredicate(context, cell);
    const where = predicate ? ` where (${predicate})` : '';
    return { ...base, countFrom: 'select', targetRows: keysOf(cell).length, statement: `select count(*)::int as rows from (select * from ${target}${where}) as cell` };
  }

  switch (cell.operation) {
    case 'select': {
      const keys = keysOf(cell);
      return lazy({ ...base, countFrom: 'select', targetRows: keys.length }, () => `select count(*)::int as rows from (select * from ${target}${whereKeys(table, keys)}) as cell`);
    }
    case 'delete': {
      const keys = keysOf(cell);
      return lazy({ ...base, countFrom: 'command', targetRows: keys.length }, () => `delete from ${target}${whereKeys(table, keys)}${returning}`);
    }
    case 'update': {
      const keys = keysOf(cell);
      const set = cell.set ? assignments(row) : defaultAssignment(table);
      return lazy({ ...base, countFrom: 'command', targetRows: keys.length }, () => `update ${target} set ${set}${whereKeys(table, keys)}${returning}`);
    }
    case 'insert':
      return { ...base, countFrom: 'command', targetRows: 1, statement: `${insertInto(target, row)}${returning}` };
    case 'upsert': {
      const conflict = (cell.conflict ?? table.primaryKey).map((c) => pg.escapeIdentifier(c)).join(', ');
      const updates = row.map(([column]) => `${pg.escapeIdentifier(column.name)} = excluded.${pg.escapeIdentifier(column.name)}`);
      return { ...base, countFrom: 'command', targetRows: 1, statement: `${insertInto(target, row)} on conflict (${conflict}) do update set ${updates.join(', ')}${returning}` };
    }
  }
}

/** A plan whose statement is built when first read (the executor), then kept for the result. */
function lazy(plan: Omit<CellPlan, 'statement'>, build: () => string): CellPlan {
  let statement: string | undefined;
  return Object.defineProperty(plan, 'statement', { get: () => (statement ??= build()), enumerable: true }) as CellPlan;
}

/** The overload a call with these named arguments reaches: every argument without a default given, no unknown name. */
function resolveFunction(context: PlanContext, cell: Cell): FunctionInfo {
  const overloads = context.catalog.functions.get(cell.table) ?? [];
  const given = Object.keys(cell.args ?? {});
  const fits = overloads.filter((fn) => {
    const names = fn.args.map((a) => a.name);
    const required = names.slice(0, fn.args.length - fn.defaults);
    return given.every((g) => names.includes(g)) && required.every((r) => given.includes(r));
  });
  if (!fits.length) {
    const signatures = overloads.map((fn) => `${fn.name}(${fn.args.map((a) => `${a.name || '?'} ${a.type}`).join(', ')})`).join('; ');
    throw rowError(cell, `no overload of ${cell.table} takes the arguments (${given.join(', ')}): ${signatures}`);
  }
  return fits[0]!;
}

/** The row an insert or upsert writes, or the assignments an update with `set:` makes. */
async function rowFor(context: PlanContext, cell: Cell, keysOf: (cell: Cell) => Key[], references: ReferenceCache, faker: Faker): Promise<CompletedRow | undefined> {
  if (cell.operation === 'rpc') {
    // Arguments are evaluated like a row's values; a pseudo-table carries their names and types.
    const fn = resolveFunction(context, cell);
    const entries: CompletedRow['entries'] = Object.entries(cell.args ?? {}).map(([name, value]) => {
      const arg = fn.args.find((a) => a.name === name)!;
      return [{ name, type: arg.type, category: '', notNull: false, hasDefault: false, generated: false }, readValue(cell, actingAs(context, cell), value)];
    });
    return { table: { name: fn.name, schema: fn.schema, table: fn.function, kind: 'table', columns: [], primaryKey: [], rlsEnabled: false, rlsForced: false }, entries };
  }
  const table = context.catalog.tables.get(cell.table)!;
  if (cell.operation === 'update') {
    if (!cell.set) return undefined;
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const entries: CompletedRow['entries'] = Object.entries(cell.set).map(([name, value]) => {
      const column = byName.get(name);
      if (!column) throw rowError(cell, `set: ${table.name} has no column '${name}'`);
      return [column, readValue(cell, actingAs(context, cell), value)];
    });
    return { table, entries };
  }
  if (cell.operation !== 'insert' && cell.operation !== 'upsert') return undefined;

  let spec: RowSpec = cell.row ?? {};
  if (cell.operation === 'upsert') {
    if (!table.primaryKey.length) throw rowError(cell, `upsert needs a primary key, and ${table.name} has none`);
    const [first] = keysOf(cell);
    // Exercise the conflict path: without a key in the row, take an existing row's key.
    if (first && !cell.conflict && !table.primaryKey.some((c) => c in spec)) spec = { ...spec, ...Object.fromEntries(table.primaryKey.map((c, i) => [c, verbatim(first[i]!)])) };
  }
  try {
    // Seeded by the cell id: a cell writes the same row in every run, whatever runs before it.
    faker.seed(seedFromString(context.idPrefix && cell.id.startsWith(context.idPrefix) ? cell.id.slice(context.idPrefix.length) : cell.id));
    return await completeRow(context.client, actingAs(context, cell), table, spec, faker, cell.rowSource ?? cell.source, references);
  } catch (error) {
    throw rowError(cell, (error as Error).message);
  }
}

/** Formats plain values locally and evaluates `= expr` values under each persona's claims, batched. */
async function evaluateRows(context: PlanContext, rows: Map<Cell, CompletedRow>): Promise<Map<Cell, LiteralRow>> {
  const literals = new Map<Cell, LiteralRow>();
  const pending = new Map<string, { cell: Cell; row: CompletedRow }[]>();
  for (const [cell, row] of rows) {
    if (row.entries.some(([, v]) => v.kind === 'sql')) pending.set(cell.persona, [...(pending.get(cell.persona) ?? []), { cell, row }]);
    else literals.set(cell, row.entries.map(([column, v]) => [column, sqlLiteral(column, v.kind === 'value' ? v.value : null)]));
  }
  for (const [persona, batch] of pending) {
    const statements = batch.map(({ row }) => `select ${row.entries.map(([column, v]) => `(${v.kind === 'sql' ? `(${v.sql})::${column.type}` : sqlLiteral(column, v.value)})::text`).join(', ')}`);
    const results = await selectWithClaims(context.client, context.identities.get(persona)!.claims, statements);
    if (!Array.isArray(results)) {
      const fields = databaseErrorFields(results.error);
      const { cell, row } = batch[results.failed]!;
      throw rowError(cell, `a row value for ${row.table.name} did not evaluate: ${fields.message}${fields.sqlstate ? ` (SQLSTATE ${fields.sqlstate})` : ''}`, results.error);
    }
    for (const [i, { cell, row }] of batch.entries()) {
      const texts = results[i]!.rows[0]!;
      literals.set(cell, row.entries.map(([column], j) => [column, sqlLiteral(column, texts[j])]));
    }
  }
  return literals;
}

/**
 * Evaluates every scope (and whole table) the cells address: per persona one round trip, per table
 * one scan that computes every scope's predicate as a column.
 */
async function evaluateScopes(context: PlanContext, cells: readonly Cell[]): Promise<Map<string, Key[]>> {
  const byPersona = new Map<string, Map<string, Map<string, Cell>>>();
  for (const cell of cells) {
    const tables = byPersona.get(cell.persona) ?? new Map<string, Map<string, Cell>>();
    const scopes = tables.get(cell.table) ?? new Map<string, Cell>();
    scopes.set(scopeId(cell), cell);
    tables.set(cell.table, scopes);
    byPersona.set(cell.persona, tables);
  }
  const keys = new Map<string, Key[]>();
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
    const groups = [...tables].map(([name, scopes]) => ({ table: context.catalog.tables.get(name)!, cells: [...scopes.values()] }));
    const statements = groups.map(({ table, cells: scoped }) => scopesQuery(table, scoped.map((c) => scopePredicate(context, c))));
    const results = await selectWithClaims(context.client, claims, statements);
    if (!Array.isArray(results)) throw await scopeFailure(context, persona, groups[results.failed]!.cells);
    groups.forEach(({ table, cells: scoped }, g) => {
      const width = keyWidth(table);
      scoped.forEach((cell, i) => {
        const inScope = results[g]!.rows.filter((row) => row[width + i] === 'true');
        keys.set(scopeId(cell), inScope.map((row) => intern(table.name, row.slice(0, width).map((v) => v ?? ''))));
      });
    });
  }
  return keys;
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
function actingAs(context: PlanContext, cell: Cell): ValueContext {
  return { personas: context.matrix.personas, actor: cell.persona };
}

function readValue(cell: Cell, values: ValueContext, value: unknown): ReturnType<typeof interpretValue> {
  try {
    return interpretValue(values, value);
  } catch (error) {
    throw rowError(cell, (error as Error).message);
  }
}

/** The cell's scope predicate with `{persona.X}` replaced by the acting persona's values. */
function scopePredicate(context: PlanContext, cell: Cell): string | undefined {
  if (!cell.scopePredicate) return undefined;
  try {
    return withPersonaLiterals(actingAs(context, cell), cell.scopePredicate);
  } catch (error) {
    throw new HarnessError('ERR_SCOPE_FAILED', `scope '${cell.scope}' of ${cell.table}: ${(error as Error).message} (persona ${cell.persona}, ${formatLocation(cell.scopeSource ?? cell.source)})`);
  }
}

function scopeId(cell: Cell): string {
  return `${cell.persona}\u0000${cell.table}\u0000${cell.scope ?? ''}`;
}

/** Key columns (as text), then one boolean column per scope predicate (true for the whole table). */
function scopesQuery(table: TableInfo, predicates: (string | undefined)[]): string {
  const flags = predicates.map((p) => (p ? `coalesce((${p}), false)::text` : `'true'`));
  // A view's rows have no key: one row per row stands in for its keys (only the count is used).
  const columns = table.kind === 'view' ? ['null::text'] : keyColumns(table).map((c) => (isCtid(table) ? 'ctid::text' : `${pg.escapeIdentifier(c.name)}::text`));
  return `select ${[...columns, ...flags].join(', ')} from ${quoteTable(table)} order by 1`;
}

function keyWidth(table: TableInfo): number {
  return table.kind === 'view' ? 1 : keyColumns(table).length;
}

function requestSettings(schema: string, path: string, identity: PersonaIdentity, operation: CellOperation): string {
  const searchPath = [...new Set([schema, 'public', 'extensions'])].map((s) => pg.escapeIdentifier(s)).join(', ');
  const settings: [string, string][] = [
    ['search_path', searchPath],
    ['role', identity.role],
    ['request.jwt.claims', JSON.stringify(identity.claims)],
    ['request.method', METHODS[operation]],
    ['request.path', path],
    ['request.headers', '{}'],
    ['request.cookies', '{}'],
  ];
  return `select ${settings.map(([k, v]) => `set_config(${pg.escapeLiteral(k)}, ${pg.escapeLiteral(v)}, true)`).join(', ')}`;
}

function isCtid(table: TableInfo): boolean {
  return table.primaryKey.length === 0;
}

/** A key column list: the primary key, or ctid for a table without one. */
function keyColumns(table: TableInfo): ColumnInfo[] {
  if (isCtid(table)) return [{ name: 'ctid', type: 'tid', category: 'U', notNull: true, hasDefault: false, generated: true }];
  return table.primaryKey.map((name) => table.columns.find((c) => c.name === name)!);
}

/** `where` over exactly these rows, by key, as an app filtering with `.eq('id', …)` / `.in(…)` sends it. */
function whereKeys(table: TableInfo, keys: Key[]): string {
  if (keys.length === 0) return ' where false';
  const columns = keyColumns(table);
  const literal = (key: Key) => key.map((value, i) => `${pg.escapeLiteral(value)}::${columns[i]!.type}`);
  const names = isCtid(table) ? ['ctid'] : columns.map((c) => pg.escapeIdentifier(c.name));
  if (columns.length === 1) return ` where ${names[0]} in (${keys.map((k) => literal(k)[0]).join(', ')})`;
  return ` where (${names.join(', ')}) in (${keys.map((k) => `(${literal(k).join(', ')})`).join(', ')})`;
}

/** The first non-key, non-generated column set to itself: exercises USING and WITH CHECK on an unchanged row. */
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

/** A database value as a row spec value that `interpretValue` reads back unchanged. */
function verbatim(text: string): string {
  return text.startsWith('@') || text.startsWith('=') ? `\\${text}` : text;
}

function rowError(cell: Cell, message: string, cause?: unknown): HarnessError {
  return new HarnessError('ERR_ROW_VALUE', `${message} (cell ${cell.id}, ${formatLocation(cell.rowSource ?? cell.source)})`, cause === undefined ? undefined : { cause });
}
