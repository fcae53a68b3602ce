import { MatrixError } from './errors.js';
import { isLintId, isVerdict, LINT_IDS, type Operation, OPERATIONS, STORAGE_OPERATIONS } from '../core/index.js';
import { nearestName } from './suggest.js';
import { ReferenceChecker } from './validate-references.js';
import type { FunctionSpec, StorageBucketSpec } from './schema.js';
import type { DocumentPath, LoadedMatrix, TableSpec } from './types.js';

const RESERVED_CASE_NAMES = new Set<string>([...OPERATIONS, 'refused', 'known', 'verdict']);

/** Reports one problem at a document path, with the nearest valid name when `candidates` are given. */
type Report = (path: DocumentPath, message: string, name?: string, candidates?: Iterable<string>) => void;

/** What every part of the validation shares. */
interface Check {
  matrix: LoadedMatrix;
  report: Report;
  references: ReferenceChecker;
  personas: string[];
}

/**
 * Checks the names a matrix uses against what it declares (personas, scopes, cases, references),
 * which zod cannot: each problem names file:line:column and the nearest valid name.
 * Table names are checked later, against the live catalogue (see `expandCells`).
 */
export function validateMatrix(matrix: LoadedMatrix): MatrixError[] {
  const problems: MatrixError[] = [];
  const report: Report = (path, message, name, candidates) =>
    problems.push(new MatrixError(candidates ? 'ERR_MATRIX_UNKNOWN_NAME' : 'ERR_MATRIX_INVALID', message, matrix.locate(path), name && candidates ? nearestName(name, candidates) : undefined));
  const check: Check = { matrix, report, references: new ReferenceChecker(matrix, report), personas: Object.keys(matrix.personas) };
  check.references.attributes();
  for (const [name, table] of Object.entries(matrix.tables)) validateTable(check, name, table);
  for (const [name, fn] of Object.entries(matrix.functions)) validateFunction(check, name, fn);
  for (const [bucket, spec] of Object.entries(matrix.storage)) validateBucket(check, bucket, spec);
  for (const { rows } of matrix.fixtures.rows) {
    for (const { row, path } of rows) check.references.row(row, path, typeof row.$as === 'string' ? row.$as : null);
  }
  validateWaivers(check);
  return problems;
}

/** A persona named where a persona is expected: reported with the nearest declared one. */
function checkPersona({ matrix, report, personas }: Check, persona: string, path: DocumentPath): void {
  if (!matrix.personas[persona]) report(path, `unknown persona '${persona}'`, persona, personas);
}

/** A table's cases, expectations (personas, operations and cases, scopes), rows and references. */
function validateTable(check: Check, tableName: string, table: TableSpec): void {
  const { report, references } = check;
  const base = ['tables', tableName];
  if (tableName === '*') validateWildcard(table, base, report);
  for (const caseName of Object.keys(table.cases ?? {})) {
    if (RESERVED_CASE_NAMES.has(caseName)) report([...base, 'cases', caseName], `a case cannot be named '${caseName}': that name is an operation or a verdict key`);
  }
  for (const [persona, expectation] of Object.entries(table.expect ?? {})) {
    checkPersona(check, persona, [...base, 'expect', persona]);
    if (!isVerdict(expectation)) validateOperations(check, tableName, table, persona, expectation);
  }
  const scopeNames = Object.keys(table.scopes ?? {});
  for (const [scope, row] of Object.entries(table.rows ?? {})) {
    if (scope !== 'default' && !scopeNames.includes(scope))
      report([...base, 'rows', scope], `rows.${scope} names no scope of ${tableName} (use a scope name or 'default')`, scope, [...scopeNames, 'default']);
    references.row(row, [...base, 'rows', scope], undefined);
  }
  for (const [scope, sql] of Object.entries(table.scopes ?? {})) references.sql(sql, [...base, 'scopes', scope], undefined);
  if (table.set) references.row(table.set, [...base, 'set'], undefined);
  for (const [caseName, spec] of Object.entries(table.cases ?? {})) {
    if (spec.row) references.row(spec.row, [...base, 'cases', caseName, 'row'], undefined);
    if (spec.set) references.row(spec.set, [...base, 'cases', caseName, 'set'], undefined);
    if (spec.set && spec.op !== 'update' && spec.op !== 'upsert') report([...base, 'cases', caseName, 'set'], `set: applies to update and upsert cases, not ${spec.op}`);
  }
}

/** One persona's expectations of a table, by operation or case and then by scope. */
function validateOperations(check: Check, tableName: string, table: TableSpec, persona: string, expectation: Record<string, unknown>): void {
  const { report } = check;
  const operationNames = [...OPERATIONS, ...Object.keys(table.cases ?? {})];
  const scopeNames = Object.keys(table.scopes ?? {});
  for (const [operation, opExpectation] of Object.entries(expectation)) {
    const opPath = ['tables', tableName, 'expect', persona, operation];
    if (!operationNames.includes(operation)) {
      report(
        opPath,
        `unknown operation or case '${operation}' for ${tableName} (operations: ${OPERATIONS.join(', ')}${table.cases ? `; cases: ${Object.keys(table.cases).join(', ')}` : ''})`,
        operation,
        operationNames,
      );
      continue;
    }
    if (isVerdict(opExpectation)) continue;
    const op = (table.cases?.[operation]?.op ?? operation) as Operation;
    for (const scope of Object.keys(opExpectation as object)) {
      const scopePath = [...opPath, scope];
      if (!scopeNames.includes(scope)) {
        report(
          scopePath,
          scopeNames.length
            ? `unknown scope '${scope}' for ${tableName} (scopes: ${scopeNames.join(', ')})`
            : `${tableName} declares no scopes, so '${scope}' is unknown (add it under tables.${tableName}.scopes)`,
          scope,
          scopeNames,
        );
        continue;
      }
      const writesRow = op === 'insert' || op === 'upsert';
      if (writesRow && !table.rows?.[scope] && !table.cases?.[operation]?.row) {
        report(scopePath, `${op} on scope '${scope}' of ${tableName} needs the row it writes: add tables.${tableName}.rows.${scope}`);
      }
    }
  }
}

/** A function's personas (in expect and rows) and the references in its arguments. */
function validateFunction(check: Check, name: string, fn: FunctionSpec): void {
  for (const persona of Object.keys(fn.expect)) checkPersona(check, persona, ['functions', name, 'expect', persona]);
  for (const persona of Object.keys(fn.rows ?? {})) checkPersona(check, persona, ['functions', name, 'rows', persona]);
  if (fn.args) check.references.row(fn.args, ['functions', name, 'args'], undefined);
}

/** A storage bucket's expectations (personas, storage operations, scopes), objects and references. */
function validateBucket(check: Check, bucket: string, spec: StorageBucketSpec): void {
  const { report, references } = check;
  const storageOperations = Object.keys(STORAGE_OPERATIONS);
  const scopeNames = Object.keys(spec.scopes ?? {});
  for (const [persona, expectation] of Object.entries(spec.expect ?? {})) {
    const personaPath = ['storage', bucket, 'expect', persona];
    checkPersona(check, persona, personaPath);
    if (isVerdict(expectation)) continue;
    for (const [operation, opExpectation] of Object.entries(expectation)) {
      if (!storageOperations.includes(operation)) {
        report([...personaPath, operation], `unknown storage operation '${operation}' (${storageOperations.join(', ')})`, operation, storageOperations);
        continue;
      }
      if (isVerdict(opExpectation)) continue;
      for (const scope of Object.keys(opExpectation)) {
        if (!scopeNames.includes(scope)) report([...personaPath, operation, scope], `unknown scope '${scope}' for bucket ${bucket}`, scope, scopeNames);
        else if (operation === 'upload' && !spec.rows?.[scope]) {
          report([...personaPath, operation, scope], `${operation} on scope '${scope}' of bucket ${bucket} needs the object it writes: add storage.${bucket}.rows.${scope} (at least its name)`);
        }
      }
    }
  }
  for (const [scope, row] of Object.entries(spec.rows ?? {})) references.row(row, ['storage', bucket, 'rows', scope], undefined);
  for (const [scope, sql] of Object.entries(spec.scopes ?? {})) references.sql(sql, ['storage', bucket, 'scopes', scope], undefined);
}

/** Each waiver names a lint that exists. */
function validateWaivers({ matrix, report }: Check): void {
  for (const [i, waiver] of (matrix.waivers ?? []).entries()) {
    if (isLintId(waiver.lint)) continue;
    const list = nearestName(waiver.lint, LINT_IDS) ? '' : ` (lints: ${LINT_IDS.join(', ')})`;
    report(['waivers', i, 'lint'], `unknown lint '${waiver.lint}' in waivers[${i}]${list}`, waiver.lint, LINT_IDS);
  }
}

function validateWildcard(table: TableSpec, base: DocumentPath, report: (path: DocumentPath, message: string) => void): void {
  for (const key of ['scopes', 'rows', 'cases'] as const) {
    if (table[key]) report([...base, key], `"*" covers tables of different shapes, so it takes bare verdicts only, not ${key}`);
  }
  for (const [persona, expectation] of Object.entries(table.expect ?? {})) {
    if (isVerdict(expectation)) continue;
    for (const [operation, opExpectation] of Object.entries(expectation)) {
      if (!isVerdict(opExpectation)) report([...base, 'expect', persona, operation], `"*" takes bare verdicts only: scopes are declared per table`);
    }
  }
}
