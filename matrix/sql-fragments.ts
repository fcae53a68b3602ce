import type { Node } from 'libpg-query';
import { MatrixError } from './errors.js';
import { substitutePlaceholders } from './placeholders.js';
import { parseStatements, scanTokens, SqlSyntaxError } from './sql-parser.js';
import type { DocumentPath, LoadedMatrix } from './types.js';
import type { RowSpec } from '../core/index.js';

/** SQL a matrix lets its author write, which the harness puts inside statements it builds. */
export interface SqlFragment {
  sql: string;
  /** Where it is written in the matrix. */
  path: DocumentPath;
  /** `scope`: a row predicate; `value`: an `= expr` row value, `set:` value or rpc argument. */
  kind: 'scope' | 'value';
}

/**
 * Every SQL fragment of a matrix: table and storage scopes, and every `= expr` value of rows,
 * `set:`, cases, rpc arguments and fixture rows (`\=` keeps a value literal, as when seeding).
 */
export function* sqlFragments(matrix: LoadedMatrix): Generator<SqlFragment, void, undefined> {
  const values = function* (row: RowSpec | undefined, path: DocumentPath): Generator<SqlFragment, void, undefined> {
    for (const [column, value] of Object.entries(row ?? {})) {
      if (typeof value === 'string' && value.startsWith('=')) yield { sql: value.slice(1).trim(), path: [...path, column], kind: 'value' };
    }
  };
  for (const [table, spec] of Object.entries(matrix.tables)) {
    const base = ['tables', table];
    for (const [scope, sql] of Object.entries(spec.scopes ?? {})) yield { sql, path: [...base, 'scopes', scope], kind: 'scope' };
    for (const [scope, row] of Object.entries(spec.rows ?? {})) yield* values(row, [...base, 'rows', scope]);
    yield* values(spec.set, [...base, 'set']);
    for (const [name, caseSpec] of Object.entries(spec.cases ?? {})) {
      yield* values(caseSpec.row, [...base, 'cases', name, 'row']);
      yield* values(caseSpec.set, [...base, 'cases', name, 'set']);
    }
  }
  for (const [name, spec] of Object.entries(matrix.functions)) yield* values(spec.args, ['functions', name, 'args']);
  for (const [bucket, spec] of Object.entries(matrix.storage)) {
    for (const [scope, sql] of Object.entries(spec.scopes ?? {})) yield { sql, path: ['storage', bucket, 'scopes', scope], kind: 'scope' };
    for (const [scope, row] of Object.entries(spec.rows ?? {})) yield* values(row, ['storage', bucket, 'rows', scope]);
  }
  for (const { rows } of matrix.fixtures.rows) for (const { row, path } of rows) yield* values(row, path);
}

/**
 * Checks that every SQL fragment of a matrix is exactly one expression, so that nothing written in
 * a matrix can end the statement the harness puts it in (`true); commit; select (true`), add
 * clauses to it, or comment out what follows it. Needs the parser loaded (`loadSqlParser`).
 * Each problem names the fragment's file:line:column.
 */
export function validateSqlFragments(matrix: LoadedMatrix): MatrixError[] {
  const problems: MatrixError[] = [];
  // Aliases repeat fragments: each text is parsed once.
  const checked = new Map<string, string | undefined>();
  for (const { sql, path, kind } of sqlFragments(matrix)) {
    // A `{persona.X}` placeholder becomes an escaped literal before the SQL runs: checked as one here.
    if (!checked.has(sql)) checked.set(sql, expressionProblem(substitutePlaceholders(sql, () => 'NULL')));
    const problem = checked.get(sql);
    if (problem) problems.push(new MatrixError('ERR_MATRIX_INVALID', `${fragmentName(kind, path)} is not one SQL expression: ${problem}`, matrix.locate(path)));
  }
  return problems;
}

/** The parse tree of a fragment `validateSqlFragments` accepts (for a provider's own checks). */
export function expressionTree(sql: string): Node | undefined {
  const parsed = parseExpression(sql);
  return 'tree' in parsed ? parsed.tree : undefined;
}

/** Why `sql` is not exactly one expression, or undefined when it is. */
export function expressionProblem(sql: string): string | undefined {
  const parsed = parseExpression(sql);
  return 'problem' in parsed ? parsed.problem : undefined;
}

const SELECT_FIELDS = new Set(['targetList', 'limitOption', 'op']);
/** SelectStmt fields, as the SQL that makes them. */
const CLAUSES: Record<string, string> = {
  fromClause: 'FROM',
  whereClause: 'WHERE',
  groupClause: 'GROUP BY',
  havingClause: 'HAVING',
  windowClause: 'WINDOW',
  sortClause: 'ORDER BY',
  limitCount: 'LIMIT',
  limitOffset: 'OFFSET',
  lockingClause: 'a locking clause',
  intoClause: 'INTO',
  withClause: 'WITH',
  distinctClause: 'DISTINCT',
  valuesLists: 'VALUES',
  larg: 'UNION/INTERSECT/EXCEPT',
  rarg: 'UNION/INTERSECT/EXCEPT',
};

/**
 * Parses `select (<sql>)`, exactly as the harness interpolates a fragment (always inside
 * parentheses), and accepts it only as one SELECT of one unnamed target with nothing else: no
 * second statement, no FROM, WHERE, UNION, INTO or locking clause, no second target. Its
 * parentheses must also balance on their own, so `(<sql>)` is one atom wherever it is put.
 */
function parseExpression(sql: string): { tree: Node } | { problem: string } {
  let statements: Node[];
  try {
    statements = parseStatements(`select (${sql})`);
  } catch (error) {
    if (!(error instanceof SqlSyntaxError)) throw error;
    return { problem: `PostgreSQL's parser says: ${error.message}${endsInLineComment(sql) ? ' (a -- comment at its end swallows what the harness writes after it: use /* … */)' : ''}` };
  }
  if (statements.length !== 1) return { problem: `it holds ${statements.length} statements (a ';' ends the statement it is put in)` };
  const select = (statements[0] as { SelectStmt?: Record<string, unknown> }).SelectStmt;
  const targets = select?.targetList as { ResTarget?: Record<string, unknown> }[] | undefined;
  const extra = Object.keys(select ?? {}).filter((key) => !SELECT_FIELDS.has(key));
  if (!select) return { problem: 'it is not an expression' };
  if (select.op !== 'SETOP_NONE' || extra.length) {
    const clauses = [...new Set(extra.map((key) => CLAUSES[key] ?? key))];
    return { problem: `it adds ${clauses.join(', ')} to the statement it is put in` };
  }
  if (targets?.length !== 1) return { problem: `it is a list of ${targets?.length ?? 0} expressions, not one` };
  const target = targets[0]!.ResTarget;
  if (!target?.val || Object.keys(target).some((key) => key !== 'val' && key !== 'location')) return { problem: 'it is not a plain expression' };
  let depth = 0;
  for (const token of scanTokens(sql)) {
    if (token.name === 'ASCII_40') depth++;
    else if (token.name === 'ASCII_41' && --depth < 0) return { problem: "it closes a parenthesis it did not open (the harness's own)" };
  }
  return { tree: target.val as Node };
}

function endsInLineComment(sql: string): boolean {
  try {
    return scanTokens(sql).at(-1)?.name === 'SQL_COMMENT';
  } catch {
    return false;
  }
}

function fragmentName(kind: SqlFragment['kind'], path: DocumentPath): string {
  const dotted = path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .slice(1);
  return kind === 'scope' ? `scope ${dotted}` : `the SQL value ${dotted}`;
}
