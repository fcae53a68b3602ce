import { missingAttribute } from './attributes.js';
import { MatrixError, MatrixErrors } from './errors.js';
import { nearestName } from './suggest.js';
import type { DocumentPath, LoadedMatrix, TableSpec } from './types.js';
import { type Cell, DEFAULT_OPERATIONS, isVerdict, type Operation, OPERATIONS, type SchemaCatalog, STORAGE_OPERATIONS, type TableInfo, type Verdict } from '../core/index.js';

type Stated = { verdict: Verdict; path: DocumentPath; origin: Cell['origin'] };

/**
 * Expands a matrix into cells against the live catalogue: every table named in the matrix, plus
 * every table of the exposed schemas (so a table nobody listed is still covered by `"*"` and
 * `defaults`). Unknown table names are errors with the nearest existing name.
 *
 * For a run, prefer {@link iterateCells}: the same cells, one at a time.
 */
export function expandCells(matrix: LoadedMatrix, catalog: SchemaCatalog): Cell[] {
  return [...iterateCells(matrix, catalog)];
}

/**
 * The cells of {@link expandCells}, generated one at a time, persona by persona (each persona's
 * table cells, then rpc and storage cells), so a run of 100,000 cells never holds them all: a
 * persona's cells share the claims their scopes are evaluated under. Unknown names throw before
 * the first cell; problems found while expanding (a stated write on a view, an unknown function)
 * throw after the last, all together, so a full pass reports every one of them.
 */
export function* iterateCells(matrix: LoadedMatrix, catalog: SchemaCatalog): Generator<Cell, void, undefined> {
  const explicit = explicitTables(matrix, catalog);
  const expansion: Expansion = { matrix, catalog, explicit, problems: [] };
  const checked = (cells: Iterable<Cell>) => withAttributes(expansion, cells);
  const tables = coveredTables(matrix, catalog, explicit);
  for (const persona of Object.keys(matrix.personas)) {
    for (const table of tables) yield* checked(tableCells(expansion, persona, table));
  }
  yield* checked(expandFunctionCells(matrix, catalog));
  yield* checked(expandStorageCells(matrix, catalog));
  if (expansion.problems.length) throw new MatrixErrors(uniqueProblems(expansion.problems));
}

/** A table the matrix names under `tables:`, by its schema-qualified name: the key it is written with, and its spec. */
type ExplicitTables = Map<string, { key: string; spec: TableSpec }>;

/** What expanding one matrix shares: its tables resolved against the catalogue, and the problems found so far. */
interface Expansion {
  matrix: LoadedMatrix;
  catalog: SchemaCatalog;
  explicit: ExplicitTables;
  problems: MatrixError[];
}

/** The tables named under `tables:`, resolved against the catalogue; an unknown or twice-listed name throws (all of them at once). */
function explicitTables(matrix: LoadedMatrix, catalog: SchemaCatalog): ExplicitTables {
  const problems: MatrixError[] = [];
  const explicit: ExplicitTables = new Map();
  for (const [key, spec] of Object.entries(matrix.tables)) {
    if (key === '*') continue;
    const name = resolveTableName(key, matrix.schemas, catalog);
    if (!name) {
      const where = matrix.locate(['tables', key]);
      problems.push(new MatrixError('ERR_MATRIX_UNKNOWN_NAME', `unknown table '${key}' (not in the database after migrations)`, where, nearestName(key, catalog.tables.keys())));
      continue;
    }
    if (explicit.has(name)) {
      problems.push(new MatrixError('ERR_MATRIX_INVALID', `table ${name} is listed twice (as '${explicit.get(name)!.key}' and '${key}')`, matrix.locate(['tables', key])));
      continue;
    }
    explicit.set(name, { key, spec });
  }
  if (problems.length) throw new MatrixErrors(problems);
  return explicit;
}

/** Every table the matrix covers: those it names, and every table of the exposed schemas (for `"*"` and `defaults`), sorted. */
function coveredTables(matrix: LoadedMatrix, catalog: SchemaCatalog, explicit: ExplicitTables): string[] {
  const exposed = [...catalog.tables.values()].filter((t) => matrix.schemas.includes(t.schema) && t.kind !== 'view').map((t) => t.name);
  return [...new Set([...explicit.keys(), ...exposed])].sort();
}

/** One persona's cells on one table: every default operation, and every operation or case stated for it there or under `"*"`. */
function* tableCells(expansion: Expansion, persona: string, table: string): Generator<Cell, void, undefined> {
  const entry = expansion.explicit.get(table);
  const stated = entry?.spec.expect?.[persona];
  const fromWildcard = expansion.matrix.tables['*']?.expect?.[persona];
  const names = new Set<string>(DEFAULT_OPERATIONS);
  for (const source of [stated, fromWildcard]) {
    if (source && !isVerdict(source)) for (const name of Object.keys(source)) names.add(name);
  }
  for (const name of names) yield* operationCells(expansion, { persona, table, name, stated, fromWildcard });
}

/** One operation or case of a persona on a table: its verdict (stated, from `"*"`, or `defaults`), one cell per scope. */
function* operationCells(
  { matrix, catalog, explicit, problems }: Expansion,
  { persona, table, name, stated, fromWildcard }: { persona: string; table: string; name: string; stated: unknown; fromWildcard: unknown },
): Generator<Cell, void, undefined> {
  const entry = explicit.get(table);
  const statedPath: DocumentPath = ['tables', entry?.key ?? '', 'expect', persona];
  const caseSpec = entry?.spec.cases?.[name];
  const operation = (caseSpec?.op ?? name) as Operation;
  if (!caseSpec && !OPERATIONS.includes(operation)) return;
  // A view takes select cells only: defaults and bare verdicts skip its writes; a stated write is an error.
  if (catalog.tables.get(table)?.kind === 'view' && operation !== 'select') {
    const statedHere = stated !== undefined && !isVerdict(stated) && (stated as Record<string, unknown>)[name] !== undefined;
    if (statedHere) problems.push(new MatrixError('ERR_MATRIX_INVALID', `${table} is a view: only select cells run on views, not ${name}`, matrix.locate([...statedPath, name])));
    return;
  }
  const coversByDefault = !caseSpec && (DEFAULT_OPERATIONS as readonly string[]).includes(name);
  const expectation =
    lookup(stated, name, statedPath, 'stated', coversByDefault) ??
    (caseSpec ? undefined : lookup(fromWildcard, name, ['tables', '*', 'expect', persona], 'wildcard', coversByDefault)) ??
    (coversByDefault && matrix.defaults !== undefined ? { verdict: matrix.defaults, path: ['defaults'], origin: 'default' as const } : undefined);
  if (!expectation) return;

  const set = caseSpec?.set ?? entry?.spec.set;
  const rowFor = (scope: string | undefined) => caseSpec?.row ?? entry?.spec.rows?.[scope ?? 'default'];
  const rowPathFor = (scope: string | undefined): DocumentPath | undefined =>
    caseSpec?.row ? ['tables', entry!.key, 'cases', name, 'row'] : entry?.spec.rows?.[scope ?? 'default'] ? ['tables', entry.key, 'rows', scope ?? 'default'] : undefined;
  const scoped = isVerdict(expectation.verdict) ? [[undefined, expectation.verdict] as const] : Object.entries(expectation.verdict as Record<string, Verdict>);
  for (const [scope, verdict] of scoped) {
    const path = scope ? [...expectation.path, scope] : expectation.path;
    const row = operation === 'insert' || operation === 'upsert' ? rowFor(scope) : undefined;
    const rowPath = row ? rowPathFor(scope) : undefined;
    yield {
      table,
      persona,
      operation,
      ...(caseSpec ? { caseName: name } : {}),
      origin: expectation.origin,
      returning: caseSpec?.returning ?? false,
      id: `${table}/${persona}/${name}/${scope ?? '*'}`,
      ...(scope ? { scope, scopePredicate: entry?.spec.scopes?.[scope] ?? 'false', scopeSource: matrix.locate(['tables', entry?.key ?? '', 'scopes', scope]) } : {}),
      expected: verdict,
      source: matrix.locate(path),
      ...(set && (operation === 'update' || operation === 'upsert') ? { set } : {}),
      ...(row ? { row } : {}),
      ...(rowPath ? { rowSource: matrix.locate(rowPath) } : {}),
    };
  }
}

/** Cells whose persona has every attribute they read; the others become problems. */
function* withAttributes({ matrix, problems }: Expansion, cells: Iterable<Cell>): Generator<Cell, void, undefined> {
  for (const cell of cells) {
    const missing = missingAttribute(matrix, cell);
    if (missing) problems.push(missing);
    else yield cell;
  }
}

/** One error per message: a missing attribute shows in every cell that reads it. */
function uniqueProblems(problems: MatrixError[]): MatrixError[] {
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(p.message) && seen.add(p.message));
}

/**
 * rpc cells: one per function × persona that states a verdict, and with `defaults`, one per function
 * the matrix names × every other persona (with the function's `args:`).
 */
function expandFunctionCells(matrix: LoadedMatrix, catalog: SchemaCatalog): Cell[] {
  const problems: MatrixError[] = [];
  const cells: Cell[] = [];
  for (const [written, spec] of Object.entries(matrix.functions)) {
    const name = resolveFunctionName(written, matrix.schemas, catalog);
    if (!name) {
      problems.push(
        new MatrixError(
          'ERR_MATRIX_UNKNOWN_NAME',
          `unknown function '${written}' (not in the database after migrations)`,
          matrix.locate(['functions', written]),
          nearestName(written, catalog.functions.keys()),
        ),
      );
      continue;
    }
    for (const persona of Object.keys(matrix.personas)) {
      const stated = spec.expect[persona];
      if (stated === undefined && matrix.defaults === undefined) continue;
      const verdict = stated ?? matrix.defaults!;
      const expectedRows = stated === undefined ? undefined : spec.rows?.[persona];
      cells.push({
        id: `${name}()/${persona}/rpc/*`,
        table: name,
        persona,
        operation: 'rpc',
        expected: verdict,
        origin: stated === undefined ? 'default' : 'stated',
        source: matrix.locate(stated === undefined ? ['defaults'] : ['functions', written, 'expect', persona]),
        returning: false,
        ...(spec.args ? { args: spec.args, rowSource: matrix.locate(['functions', written, 'args']) } : {}),
        ...(expectedRows !== undefined ? { expectedRows } : {}),
      });
    }
  }
  if (problems.length) throw new MatrixErrors(problems);
  return cells;
}

/**
 * storage.objects cells per bucket: upload = insert, download = select, overwrite = upsert,
 * move = update, remove = delete, each confined to the bucket's objects (and a scope's, when
 * named). With `defaults`, every verb a persona does not state is a whole-bucket cell of its own.
 */
function expandStorageCells(matrix: LoadedMatrix, catalog: SchemaCatalog): Cell[] {
  const buckets = Object.entries(matrix.storage);
  if (!buckets.length) return [];
  if (!catalog.tables.has('storage.objects')) {
    throw new MatrixError('ERR_MATRIX_INVALID', 'storage: needs storage.objects (enable database.supabase, or create it in a migration)', matrix.locate(['storage']));
  }
  const owner = uploadOwner(catalog.tables.get('storage.objects')!);
  const cells: Cell[] = [];
  for (const [bucket, spec] of buckets) {
    const inBucket = `bucket_id = ${quoteLiteral(bucket)}`;
    for (const persona of Object.keys(matrix.personas)) {
      const expectation = spec.expect?.[persona];
      const path: DocumentPath = ['storage', bucket, 'expect', persona];
      for (const [storageOp, operation] of Object.entries(STORAGE_OPERATIONS)) {
        const written = expectation === undefined ? undefined : isVerdict(expectation) ? expectation : (expectation as Record<string, unknown>)[storageOp];
        // `defaults` covers every verb of a bucket the matrix names, as it covers a table's operations.
        const defaulted = written === undefined && matrix.defaults !== undefined;
        const stated = written ?? matrix.defaults;
        if (stated === undefined) continue;
        const opPath: DocumentPath = defaulted ? ['defaults'] : isVerdict(expectation) ? path : [...path, storageOp];
        const scoped = isVerdict(stated) ? [[undefined, stated] as const] : Object.entries(stated as Record<string, Verdict>);
        for (const [scope, verdict] of scoped) {
          const predicate = scope ? `${inBucket} and (${spec.scopes?.[scope] ?? 'false'})` : inBucket;
          // upload writes the scope's row; overwrite re-uploads an existing object of the scope, as
          // Supabase Storage's upsert does: ON CONFLICT (bucket_id, name).
          // Both also set the object's owner from the JWT's sub, as Storage does, unless the row gives it.
          const given = { ...owner, ...spec.rows?.[scope ?? 'default'] };
          const row =
            operation === 'insert'
              ? { name: `rls-matrix/${persona}-${storageOp}.txt`, ...given, bucket_id: bucket }
              : operation === 'upsert'
                ? { ...given, bucket_id: bucket, name: `= (select name from storage.objects where ${predicate} order by name limit 1)` }
                : undefined;
          cells.push({
            id: `storage.objects/${persona}/${storageOp}/${bucket}${scope ? `:${scope}` : ''}`,
            table: 'storage.objects',
            persona,
            operation,
            caseName: storageOp,
            bucket,
            scope: scope ? `${bucket}:${scope}` : bucket,
            scopePredicate: predicate,
            scopeSource: matrix.locate(scope ? ['storage', bucket, 'scopes', scope] : ['storage', bucket]),
            expected: verdict,
            origin: defaulted ? 'default' : 'stated',
            source: matrix.locate(scope ? [...opPath, scope] : opPath),
            returning: false,
            ...(operation === 'upsert' ? { conflict: ['bucket_id', 'name'] } : {}),
            ...(row ? { row, rowSource: matrix.locate(['storage', bucket, 'rows', scope ?? 'default']) } : {}),
          });
        }
      }
    }
  }
  return cells;
}

// The request's JWT sub, read as the row values are evaluated: with the acting persona's claims.
const JWT_SUB = `(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')`;
const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

/**
 * The owner columns an upload and an overwrite write, as Supabase Storage's createObject and
 * upsertObject do: `owner_id` is the JWT's sub (none with the service key), and the deprecated
 * `owner` the same sub when it is a uuid. Only the columns this storage.objects has.
 */
function uploadOwner(objects: TableInfo): Record<string, string> {
  const has = (name: string) => objects.columns.some((c) => c.name === name);
  return {
    ...(has('owner') ? { owner: `= case when ${JWT_SUB} ~ '${UUID_PATTERN}' then ${JWT_SUB}::uuid end` } : {}),
    ...(has('owner_id') ? { owner_id: `= ${JWT_SUB}` } : {}),
  };
}

function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** What `source` says about operation or case `name`: a bare verdict covers every default operation. */
function lookup(source: unknown, name: string, path: DocumentPath, origin: Cell['origin'], coversByDefault: boolean): Stated | undefined {
  if (source === undefined) return undefined;
  if (isVerdict(source)) return coversByDefault ? { verdict: source, path, origin } : undefined;
  const entry = (source as Record<string, unknown>)[name];
  if (entry === undefined) return undefined;
  return { verdict: entry as Verdict, path: [...path, name], origin };
}

/** `schema.function` as written, or an unqualified name looked up in the exposed schemas in order. */
export function resolveFunctionName(name: string, schemas: readonly string[], catalog: SchemaCatalog): string | undefined {
  if (catalog.functions.has(name)) return name;
  if (name.includes('.')) return undefined;
  return schemas.map((s) => `${s}.${name}`).find((q) => catalog.functions.has(q));
}

/** A storage cell's bucket and verb (`upload`…); undefined for any other cell (a `tables: storage.objects` case named upload included). */
export function storageVerb(cell: Pick<Cell, 'bucket' | 'caseName'>): { bucket: string; verb: keyof typeof STORAGE_OPERATIONS } | undefined {
  if (cell.bucket === undefined || cell.caseName === undefined || !Object.hasOwn(STORAGE_OPERATIONS, cell.caseName)) return undefined;
  return { bucket: cell.bucket, verb: cell.caseName as keyof typeof STORAGE_OPERATIONS };
}

/** `schema.table` as written, or an unqualified name looked up in the exposed schemas in order. */
export function resolveTableName(name: string, schemas: readonly string[], catalog: SchemaCatalog): string | undefined {
  if (catalog.tables.has(name)) return name;
  if (name.includes('.')) return undefined;
  return schemas.map((s) => `${s}.${name}`).find((q) => catalog.tables.has(q));
}
