import { MatrixError } from './errors.js';
import { findPlaceholders } from './placeholders.js';
import { PERSONA_BUILTINS } from './schema.js';
import { nearestName } from './suggest.js';
import type { LoadedMatrix } from './types.js';
import type { Cell, RowSpec, SourceLocation } from '../core/index.js';

/**
 * Which names of the acting persona a matrix reads, and whether each persona has them: row values
 * (`"@persona.team"`) and SQL (`{persona.team}` in scopes and `= expr` values) name either a
 * built-in (id, email, name) or one of the persona's `attributes`.
 */

const sqlNames = new Map<string, { persona: string[]; foreign: string[] }>();

/** The persona names `sql` reads as `{persona.X}`, and any other `{a.b}` placeholders in it. */
export function namesInSql(sql: string): { persona: string[]; foreign: string[] } {
  let names = sqlNames.get(sql);
  if (!names) {
    const found = findPlaceholders(sql);
    names = {
      persona: [...new Set(found.filter((p) => p.namespace === 'persona').map((p) => p.name))],
      foreign: found.filter((p) => p.namespace !== 'persona').map((p) => `{${p.namespace}.${p.name}}`),
    };
    if (sqlNames.size > 10_000) sqlNames.clear();
    sqlNames.set(sql, names);
  }
  return names;
}

/** The persona names one row value reads: `@persona.X`, or `{persona.X}` in an `= expr`. */
function namesInValue(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  if (value.startsWith('@persona.')) return [value.slice('@persona.'.length)];
  if (value.startsWith('=')) return namesInSql(value.slice(1)).persona;
  return [];
}

const rowNames = new WeakMap<object, string[]>();

/** The persona names a row (or set:, or rpc args) reads, over all its values. */
function namesInRow(row: RowSpec): string[] {
  let names = rowNames.get(row);
  if (!names) {
    names = [...new Set(Object.entries(row).flatMap(([key, value]) => (key.startsWith('$') ? [] : namesInValue(value))))];
    rowNames.set(row, names);
  }
  return names;
}

/** Every attribute name any persona of the matrix declares, plus the built-ins. */
export function knownPersonaNames(matrix: Pick<LoadedMatrix, 'personas'>): string[] {
  return [...new Set([...PERSONA_BUILTINS, ...Object.values(matrix.personas).flatMap((p) => Object.keys(p.attributes ?? {}))])];
}

/** Whether persona `persona` can give `name`. */
export function personaGives(matrix: Pick<LoadedMatrix, 'personas'>, persona: string, name: string): boolean {
  return (PERSONA_BUILTINS as readonly string[]).includes(name) || name in (matrix.personas[persona]?.attributes ?? {});
}

/**
 * The first name a cell's row, set:, args or scope reads that its persona does not have, as an
 * error at the place that reads it: found while the cells are counted, before any runs.
 */
export function missingAttribute(matrix: Pick<LoadedMatrix, 'personas'>, cell: Cell): MatrixError | undefined {
  const reads: [string[], SourceLocation | undefined, string][] = [
    [cell.row ? namesInRow(cell.row) : [], cell.rowSource, 'the row it writes'],
    [cell.set ? namesInRow(cell.set) : [], cell.rowSource ?? cell.source, 'set:'],
    [cell.args ? namesInRow(cell.args) : [], cell.rowSource, 'the rpc arguments'],
    [cell.scopePredicate ? namesInSql(cell.scopePredicate).persona : [], cell.scopeSource, `scope '${cell.scope}'`],
  ];
  for (const [names, location, what] of reads) {
    const missing = names.find((name) => !personaGives(matrix, cell.persona, name));
    if (missing === undefined) continue;
    const own = Object.keys(matrix.personas[cell.persona]?.attributes ?? {});
    return new MatrixError(
      'ERR_MATRIX_REFERENCE',
      `persona '${cell.persona}' has no attribute '${missing}', which ${what} of ${cell.table} reads for its ${cell.caseName ?? cell.operation} cell: add it under personas.${cell.persona}.attributes` +
        (own.length ? ` (it has ${own.join(', ')})` : ''),
      location ?? cell.source,
      nearestName(missing, own),
    );
  }
  return undefined;
}
