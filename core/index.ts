/**
 * The shared vocabulary of every stage: the types that carry data between them, the one list of
 * operations, verdict wording, lint and coverage types, locations, and the error base class with its
 * exit codes. Imports no other folder of the project.
 */
export type { CellAttribution, PolicyCommand, PolicyEvaluation, PolicyInfo, PolicyValue, RowAttribution } from './attribution.js';
export type { ColumnInfo, FunctionInfo, SchemaCatalog, TableInfo } from './catalog.js';
export { type Cell, RowSchema, type RowSpec, RowValueSchema } from './cell.js';
export {
  BUCKET_OPERATIONS,
  type Coverage,
  COVERAGE_OPERATIONS,
  type CoverageCounts,
  type CoverageOperation,
  type CoverageStatus,
  FUNCTION_OPERATIONS,
  type ObjectCoverage,
  type TableCoverage,
} from './coverage.js';
export {
  ACCESS_ORDER,
  type CellChange,
  type CellDiff,
  compareExpectations,
  compareOutcomes,
  DIFF_FAIL_ON_CHOICES,
  DIFF_KINDS,
  type DiffCell,
  diffCells,
  type DiffFailOn,
  type DiffKind,
  type DiffSide,
  type DiffSideInfo,
  failingChanges,
} from './diff.js';
export { EXECUTOR_NAMES, MAX_TIMEOUT_MS, RUN_DEFAULTS, type ExecutorName } from './defaults.js';
export { databaseErrorFields, type DatabaseErrorInfo } from './database-error.js';
export { type ErrorCode, type FixtureErrorCode, HarnessError, type MatrixErrorCode, type ReportErrorCode, RlsMatrixError } from './errors.js';
export {
  countFindings,
  FAIL_ON_CHOICES,
  failingFindings,
  type FailOn,
  isLintId,
  LINT_IDS,
  type LintFinding,
  type LintId,
  type LintObjectType,
  type LintOutcome,
  type LintSeverity,
  SEVERITIES,
  type Waiver,
} from './lint.js';
export {
  type Mutant,
  type MutantKind,
  type MutantReach,
  type MutantResult,
  type MutantStatus,
  mutationScore,
  type MutationSummary,
  type MutationWaiver,
} from './mutation.js';
export { formatLocation, type SourceLocation } from './location.js';
export { DEFAULT_OPERATIONS, type Operation, operationRank, OPERATIONS, ROW_VERB, STORAGE_OPERATIONS } from './operations.js';
export {
  type ApiExchange,
  type CellResult,
  type CellStatus,
  CONFLICTS,
  type DatabaseErrorFields,
  type ExecutedVia,
  type FidelityMismatch,
  type Outcome,
  type OutcomeClass,
  type Reporter,
  type Rerun,
  type RerunCounts,
  type RunCounts,
  type RunMeta,
  type RunSummary,
  type RunTimings,
} from './results.js';
export type { Queryable, QueryRows } from './queryable.js';
export { cellIdsHash, parseShard, type ShardInfo, type ShardSpec } from './shard.js';
export { expectedText, isVerdict, knownReason, type PlainVerdict, plainVerdict, type Verdict, VerdictSchema, verdictText } from './verdict.js';
export { toolVersion } from './version.js';
