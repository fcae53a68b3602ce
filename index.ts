/**
 * rls-matrix: test PostgreSQL / Supabase Row-Level Security with an allow/deny matrix.
 * The four stages each have one entry: loadMatrix → seed → runMatrix → reporters.
 */
export { defineMatrix, loadMatrix, findMatrixFiles, expandCells, iterateCells, MatrixError, MatrixErrors } from './matrix/index.js';
export type { MatrixInput, LoadedMatrix, Cell, Verdict, SourceLocation } from './matrix/index.js';
export { seed, FixtureError } from './fixtures/index.js';
export { runMatrix, type RunOptions, type RunOutcome } from './harness/run.js';
export { classifyOutcome, type Observation } from './harness/executor/classify.js';
export { judgeOutcome } from './harness/executor/judge.js';
export { HarnessError } from './harness/errors.js';
export type { Provider, StartedDatabase, ConnectionInfo } from './harness/providers/types.js';
export type { CellResult, Outcome, OutcomeClass, CellStatus, RunMeta, RunSummary } from './harness/types.js';
export type { Reporter } from './reports/types.js';
export { lintMatrices, type LintMatricesOptions, type LintOutcome } from './harness/lint/lint-matrices.js';
export { runLints, lintCatalog, failingFindings, LINTS, type FailOn, type LintOptions } from './harness/lint/index.js';
export { computeCoverage, type CoverageInput } from './matrix/coverage.js';
export type { LintFinding, LintId, LintSeverity, Coverage, CoverageStatus, TableCoverage } from './harness/types.js';
