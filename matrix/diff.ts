import { type Cell, type CellDiff, compareExpectations, type DiffCell, diffCells, expectedText, type SchemaCatalog, type TableInfo, type Verdict } from '../core/index.js';
import { MatrixError } from './errors.js';
import { iterateCells } from './expand.js';
import { loadMatrix } from './load.js';
import type { LoadedMatrix } from './types.js';

/**
 * Compares the expectations of two versions of a matrix, cell by cell (matched by stable id): for
 * reviewing a pull request that edits them. Widened (loosened) cells accept more access than before
 * (`deny → allow`), narrowed (tightened) ones less; changed ones say the same access in other words or
 * test another scope predicate; added and removed cells exist on one side only.
 *
 * No database is started: the tables are those either matrix names (each taken to exist on both
 * sides), so `"*"` and `defaults` are expanded over them. A change to `defaults` or `"*"` also reaches
 * tables neither matrix names, which only the database knows: the diff's notes say so.
 *
 * @throws {MatrixErrors} a matrix that does not load or validate (file:line); {@link MatrixError} when the two share no cell.
 * @example
 * ```ts
 * const diff = await diffMatrices('main/rls-matrix.yaml', 'rls-matrix.yaml');
 * const loosened = diff.changes.filter((c) => c.kind === 'widened');
 * ```
 */
export async function diffMatrices(before: string, after: string): Promise<CellDiff> {
  const a = await loadMatrix(before);
  const b = await loadMatrix(after);
  const catalog = namedCatalog([a, b]);
  const cellsA = [...iterateCells(a, catalog)].map(diffCell);
  const cellsB = [...iterateCells(b, catalog)].map(diffCell);
  const { changes, counts } = diffCells(cellsA, cellsB, compareExpectations);
  if (counts.added === cellsB.length && counts.removed === cellsA.length && cellsA.length + cellsB.length > 0) {
    throw new MatrixError('ERR_MATRIX_INVALID', `${before} and ${after} share no cell: they are different matrices, so there is nothing to compare`, { file: b.file });
  }
  return {
    mode: 'matrices',
    before: { path: before, matrixName: a.name, cells: cellsA.length },
    after: { path: after, matrixName: b.name, cells: cellsB.length },
    changes,
    counts,
    notes: matrixNotes(a, b),
  };
}

/** A catalogue of every table and function either matrix names (storage.objects when one tests buckets), as plain tables. */
function namedCatalog(matrices: readonly LoadedMatrix[]): SchemaCatalog {
  const catalog: SchemaCatalog = { tables: new Map(), functions: new Map() };
  const qualified = (name: string, matrix: LoadedMatrix) => (name.includes('.') ? name : `${matrix.schemas[0]}.${name}`);
  const addTable = (name: string) => {
    const [schema, table] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
    const info: TableInfo = { name, schema, table, kind: 'table', columns: [], primaryKey: [], rlsEnabled: true, rlsForced: false };
    catalog.tables.set(name, info);
  };
  for (const matrix of matrices) {
    for (const key of Object.keys(matrix.tables)) if (key !== '*') addTable(qualified(key, matrix));
    if (Object.keys(matrix.storage).length) addTable('storage.objects');
    for (const key of Object.keys(matrix.functions)) {
      const name = qualified(key, matrix);
      const [schema, fn] = [name.slice(0, name.indexOf('.')), name.slice(name.indexOf('.') + 1)];
      catalog.functions.set(name, [{ name, schema, function: fn, args: [], defaults: 0, returns: 'set', securityDefiner: false, volatility: 'volatile' }]);
    }
  }
  return catalog;
}

function diffCell(cell: Cell): DiffCell {
  const { id, table, persona, operation, caseName, scope, scopePredicate, expected, source } = cell;
  return { id, table, persona, operation, ...(caseName === undefined ? {} : { caseName }), ...(scope === undefined ? {} : { scope, scopePredicate: scopePredicate ?? '' }), expected, source };
}

/** What changed beyond the cells both matrices reach: defaults, `"*"`, the exposed schemas, personas' roles. */
function matrixNotes(a: LoadedMatrix, b: LoadedMatrix): string[] {
  const notes: string[] = [];
  const unnamed = 'it also covers every table of the exposed schemas neither matrix names, which only the database knows (run both and diff the reports)';
  const verdict = (v: Verdict | undefined) => (v === undefined ? '(none)' : expectedText(v));
  if (JSON.stringify(a.defaults) !== JSON.stringify(b.defaults)) notes.push(`defaults: ${verdict(a.defaults)} → ${verdict(b.defaults)}; ${unnamed}`);
  if (JSON.stringify(a.tables['*']) !== JSON.stringify(b.tables['*'])) notes.push(`the "*" entry changed; ${unnamed}`);
  if (a.schemas.join(',') !== b.schemas.join(',')) notes.push(`exposed schemas: ${a.schemas.join(', ')} → ${b.schemas.join(', ')}`);
  for (const [name, persona] of Object.entries(b.personas)) {
    const was = a.personas[name];
    if (was && was.role !== persona.role) notes.push(`persona ${name} is role ${was.role} before, ${persona.role} after`);
  }
  return notes;
}
