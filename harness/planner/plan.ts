import type { Faker } from '@faker-js/faker';
import pg from 'pg';
import { type CompletedRow, completeRow, interpretValue, quoteTable, type ReferenceCache, seededFaker, seedFromString, type ValueContext } from '../../fixtures/index.js';
import { type LoadedMatrix, storageVerb } from '../../matrix/index.js';
import { type Cell, type ColumnInfo, databaseErrorFields, formatLocation, type FunctionInfo, HarnessError, type RowSpec, type SchemaCatalog, type Queryable } from '../../core/index.js';
import type { PersonaIdentity } from '../jwt.js';
import { selectWithClaims } from './claims-batch.js';
import { sqlLiteral } from './literals.js';
import { type RequestOptions, requestSettings, type RequestShape, rpcRequest, tableRequest } from './request.js';
import type { JsonValues } from '../executor/postgrest/values.js';
import { actingAs, defaultUpdateColumn, evaluateScopes, type Key, scopeId, scopePredicate, whereKeys } from './scopes.js';

/** A cell made concrete: the exact statement its persona runs, and how many rows "all" means. */
export interface CellPlan {
  cell: Cell;
  role: string;
  /**
   * PostgREST's per-request statements that make the connection look like it serving this persona
   * (settings, then the db-pre-request call when there is one).
   */
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
  /**
   * Why the cell cannot prove anything whatever it observes (a storage overwrite with no object to
   * overwrite): it is an error with this reason, never a pass.
   */
  vacuous?: string;
  /** The HTTP request an app's supabase-js call makes for the cell. */
  request: RequestShape;
  /**
   * What that call carries: the keys it filters on (for a view, each scope row as JSON) and the
   * values it sends (the row, the PATCH body, the rpc arguments), as typed SQL literals.
   */
  call: {
    keys: Key[];
    values: LiteralRow;
    fn?: FunctionInfo;
    json?: JsonValues;
    /** An update that sets each row's column to its own value: no one PATCH body could (see defaultUpdate). */
    ownValues?: true;
  };
}

export interface PlanContext {
  client: Queryable;
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

/** A column and the typed SQL literal a cell gives it. */
type LiteralRow = [ColumnInfo, string][];

/**
 * Turns cells into plans. Scopes are evaluated without RLS (as the connecting role) but with the
 * acting persona's claims, so `auth.uid()` in a scope means the persona; `= expr` row values are
 * evaluated the same way. Both are batched per persona, one round trip each. Runs inside the
 * caller's transaction and leaves nothing behind.
 */
export async function planCells(context: PlanContext, cells: readonly Cell[]): Promise<CellPlan[]> {
  const scopes = await evaluateScopes(
    context,
    cells.filter((c) => c.operation !== 'insert' && c.operation !== 'rpc'),
  );
  const keysOf = (cell: Cell) => scopes.keys.get(scopeId(cell))!;

  const references: ReferenceCache = new Map();
  const faker = await seededFaker(0);
  const rows = new Map<Cell, CompletedRow>();
  for (const cell of cells) {
    const row = await rowFor(context, cell, keysOf, references, faker);
    if (row) rows.set(cell, row);
  }
  const literals = await evaluateRows(context, rows);
  const { preRequest, extraSearchPath } = context.matrix.database;
  const setupFor = setupCache({ ...(preRequest ? { preRequest } : {}), ...(extraSearchPath ? { extraSearchPath } : {}) });
  return cells.map((cell) => {
    const given = literals.get(cell);
    const values = given ? { row: given } : defaultUpdate(context, cell, scopes.currentValues, cell.operation === 'update' ? keysOf(cell) : []);
    return buildPlan(context, cell, keysOf, values, setupFor);
  });
}

/**
 * An update without `set:` sets its column to the scope's current value, as a literal: PostgREST
 * never reads the column it sets. On a table whose every column is part of its primary key (a join
 * table), that column is one whose value every row of the scope shares, so setting it moves no row
 * and collides with none. When the rows differ in every column, one value for all of them would
 * collide (23505) whichever it is: no single PATCH body can update them, so each row's column is set
 * to its own value (`col = col`), the policies judge the same rows, and the cell runs as SQL.
 */
function defaultUpdate(context: PlanContext, cell: Cell, values: Map<string, string | null>, keys: Key[]): { row: LiteralRow; ownValues?: true } {
  if (cell.operation !== 'update') return { row: [] };
  const table = context.catalog.tables.get(cell.table)!;
  const keyOnly = table.primaryKey.length > 0 && table.columns.every((c) => c.generated || table.primaryKey.includes(c.name));
  if (keyOnly && keys.length > 0) {
    const shared = table.primaryKey.findIndex((_, i) => keys.every((key) => key[i] === keys[0]![i]));
    const column = table.columns.find((c) => c.name === table.primaryKey[Math.max(shared, 0)])!;
    return shared >= 0 ? { row: [[column, sqlLiteral(column, keys[0]![shared])]] } : { row: [[column, pg.escapeIdentifier(column.name)]], ownValues: true };
  }
  const column = defaultUpdateColumn(table);
  return { row: [[column, sqlLiteral(column, values.get(scopeId(cell)) ?? null)]] };
}

/**
 * PostgREST's per-request statements, shared by every cell of a persona making the same request
 * within one chunk. Not kept beyond it: one string per persona × table × operation (~1.5 kB each)
 * would grow with the matrix.
 */
function setupCache(options: RequestOptions): (request: RequestShape, identity: PersonaIdentity) => string {
  const cache = new Map<PersonaIdentity, Map<string, string>>();
  return (request, identity) => {
    const byIdentity = cache.get(identity) ?? new Map<string, string>();
    cache.set(identity, byIdentity);
    const id = `${request.method}\u0000${request.schema}\u0000${request.path}\u0000${request.prefer ?? ''}\u0000${request.readOnly}`;
    let setup = byIdentity.get(id);
    if (setup === undefined) {
      setup = requestSettings(request, identity, options);
      byIdentity.set(id, setup);
    }
    return setup;
  };
}

function buildPlan(context: PlanContext, cell: Cell, keysOf: (cell: Cell) => Key[], { row, ownValues }: { row: LiteralRow; ownValues?: true }, setupFor: ReturnType<typeof setupCache>): CellPlan {
  const identity = context.identities.get(cell.persona)!;
  if (cell.operation === 'rpc') {
    const fn = resolveFunction(context, cell);
    const request = rpcRequest(fn);
    const call = `${pg.escapeIdentifier(fn.schema)}.${pg.escapeIdentifier(fn.function)}(${row.map(([arg, v]) => `${pg.escapeIdentifier(arg.name)} => ${v}`).join(', ')})`;
    const statement =
      fn.returns === 'set'
        ? `select count(*)::int as rows from ${call} as r`
        : fn.returns === 'void'
          ? `select count(*)::int as rows from (select ${call}) as r`
          : // A scalar's value counts unless it is NULL or a JSON null: through the API both are the body `null`.
            `select count(*)::int as rows from (select ${call} as v) as r where to_jsonb(r.v) <> 'null'::jsonb`;
    return {
      cell,
      role: identity.role,
      request,
      setup: setupFor(request, identity),
      statement,
      countFrom: 'select',
      targetRows: cell.expectedRows ?? 1,
      call: { keys: [], values: row, fn },
      ...(cell.expectedRows === undefined ? { anyRows: true } : {}),
    };
  }

  const table = context.catalog.tables.get(cell.table)!;
  const request = tableRequest(cell, table);
  const keys = cell.operation === 'insert' ? [] : keysOf(cell);
  const call = ownValues ? { keys, values: [], ownValues } : { keys, values: row };
  const base = { cell, role: identity.role, request, setup: setupFor(request, identity), call };
  const returning = cell.returning ? ' returning *' : '';
  const target = quoteTable(table);
  const assignments = (pairs: LiteralRow) => pairs.map(([c, v]) => `${pg.escapeIdentifier(c.name)} = ${v}`).join(', ');

  if (table.kind === 'view') {
    // Views have no key to address rows by: the cell reads the scope's rows through the view.
    if (cell.operation !== 'select') throw rowError(cell, `${table.name} is a view: only select cells run on views`);
    const predicate = scopePredicate(context, cell);
    const where = predicate ? ` where (${predicate})` : '';
    return { ...base, countFrom: 'select', targetRows: keys.length, statement: `select count(*)::int as rows from (select * from ${target}${where}) as cell` };
  }

  switch (cell.operation) {
    case 'select':
      return lazy({ ...base, countFrom: 'select', targetRows: keys.length }, () => `select count(*)::int as rows from (select * from ${target}${whereKeys(table, keys)}) as cell`);
    case 'delete':
      return lazy({ ...base, countFrom: 'command', targetRows: keys.length }, () => `delete from ${target}${whereKeys(table, keys)}${returning}`);
    case 'update':
      return lazy({ ...base, countFrom: 'command', targetRows: keys.length }, () => `update ${target} set ${assignments(row)}${whereKeys(table, keys)}${returning}`);
    case 'insert':
      return { ...base, countFrom: 'command', targetRows: 1, statement: `${insertInto(target, row)}${returning}` };
    case 'upsert': {
      const conflict = (cell.conflict ?? table.primaryKey).map((c) => pg.escapeIdentifier(c)).join(', ');
      const updates = row.map(([column]) => `${pg.escapeIdentifier(column.name)} = excluded.${pg.escapeIdentifier(column.name)}`);
      const statement = `${insertInto(target, row)} on conflict (${conflict}) do update set ${updates.join(', ')}${returning}`;
      return { ...base, countFrom: 'command', targetRows: 1, statement, ...vacuousOverwrite(cell, keys) };
    }
  }
}

/**
 * A storage overwrite re-uploads an existing object of its scope: with none, the upload has no name,
 * and whatever the database answers (a refusal, a NOT NULL error) says nothing about overwriting.
 */
function vacuousOverwrite(cell: Cell, keys: Key[]): Pick<CellPlan, 'vacuous'> {
  const storage = storageVerb(cell);
  if (storage?.verb !== 'overwrite' || keys.length > 0) return {};
  return {
    vacuous: `vacuous cell: ${cell.scope === storage.bucket ? '' : `scope '${cell.scope!.slice(storage.bucket.length + 1)}' of `}bucket '${storage.bucket}' holds no object to overwrite, so the cell proves nothing; add one to storage.objects in the fixtures (bucket_id: ${storage.bucket}) or state a scope that has one`,
  };
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
    else
      literals.set(
        cell,
        row.entries.map(([column, v]) => [column, sqlLiteral(column, v.kind === 'value' ? v.value : null)]),
      );
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
      literals.set(
        cell,
        row.entries.map(([column], j) => [column, sqlLiteral(column, texts[j])]),
      );
    }
  }
  return literals;
}

function readValue(cell: Cell, values: ValueContext, value: unknown): ReturnType<typeof interpretValue> {
  try {
    return interpretValue(values, value);
  } catch (error) {
    throw rowError(cell, (error as Error).message);
  }
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
