/**
 * rls-matrix: test PostgreSQL / Supabase Row-Level Security with an allow/deny matrix.
 * The stages each have one entry: loadMatrix → seed → runMatrix → reporters (createReporters);
 * lintMatrices lints a schema without running cells. The types between them come from core/.
 */
export {
  computeCoverage,
  type CoverageInput,
  defineMatrix,
  diffMatrices,
  expandCells,
  findMatrixFiles,
  iterateCells,
  type LoadedMatrix,
  loadMatrix,
  MatrixError,
  MatrixErrors,
  type MatrixInput,
} from './matrix/index.js';
export { FixtureError, seed } from './fixtures/index.js';
export {
  classifyOutcome,
  type InitOptions,
  type InitOutcome,
  initProject,
  judgeOutcome,
  type Observation,
  type RecordOptions,
  type RecordOutcome,
  recordMatrix,
  runMatrix,
  type RunOptions,
  type RunOutcome,
  type UnrecordedCell,
} from './harness/index.js';
export { type MutateOptions, type MutateOutcome, mutateMatrix } from './mutate/index.js';
export { lintCatalog, lintMatrices, type LintMatricesOptions, type LintOptions, LINTS, runLints } from './lint/index.js';
export type { ConnectionInfo, Provider, ProviderOptions, StartedDatabase } from './database/index.js';
// runMatrix in two halves (prepare, then run the cells as often as asked) and asPersona: what rls-matrix/vitest is built on.
export { type MatrixSession, openMatrix, type PersonaContext, type PersonaDb, type SessionCell } from './harness/index.js';
export { cellFailureText, consoleReporter } from './reports/index.js';
export {
  createReporters,
  diffMarkdown,
  diffReports,
  type DiffReportsOptions,
  mergeReports,
  type MergeOptions,
  type MergeOutcome,
  ReportError,
  type ReportOptions,
  type ReportSet,
  verifyReport,
  type VerifyResult,
  writeReports,
} from './reports/index.js';
export {
  ACCESS_ORDER,
  type Cell,
  type CellChange,
  type CellDiff,
  type CellResult,
  type CellStatus,
  type Coverage,
  type CoverageStatus,
  type DiffFailOn,
  type DiffKind,
  type ErrorCode,
  failingFindings,
  type FailOn,
  HarnessError,
  type LintFinding,
  type LintId,
  type LintOutcome,
  type LintSeverity,
  type MutantResult,
  type MutationSummary,
  type Outcome,
  type OutcomeClass,
  type Queryable,
  type QueryRows,
  type Reporter,
  RlsMatrixError,
  type RunMeta,
  type RunSummary,
  type SourceLocation,
  type TableCoverage,
  type Verdict,
} from './core/index.js';
