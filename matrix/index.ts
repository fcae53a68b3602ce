/**
 * The matrix language: its schema, loading (YAML or TypeScript) with file:line errors, validation,
 * expansion into cells, coverage, and the SQL parser the later stages check SQL with.
 */
export { computeCoverage, type CoverageInput } from './coverage.js';
export { defineMatrix } from './define.js';
export { diffMatrices } from './diff.js';
export { MatrixError, MatrixErrors } from './errors.js';
export { expandCells, iterateCells, resolveTableName, storageVerb } from './expand.js';
export { findMatrixFiles, loadMatrix } from './load.js';
export { mergeClaims, personaEmail, personaHasUser, personaNeedsUserRow } from './personas.js';
export { substitutePlaceholders } from './placeholders.js';
export type { MatrixInput, PersonaSpec } from './schema.js';
export { expressionTree, sqlFragments } from './sql-fragments.js';
export {
  advanceCharacters,
  lineColumn,
  loadSqlParser,
  nameList,
  parseScript,
  parseStatements,
  scanTokens,
  type SqlStatement,
  SqlSyntaxError,
  stringConstant,
  type TreeNode,
  treeNodes,
} from './sql-parser.js';
export { nearestName } from './suggest.js';
export type { LoadedMatrix } from './types.js';
export { type RecordedVerdict, recordVerdicts } from './record.js';
