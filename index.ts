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
export { HarnessError } from './core/errors.js';
export type { Provider, StartedDatabase, ConnectionInfo } from './database/providers/types.js';
export type { CellResult, Outcome, OutcomeClass, CellStatus, RunMeta, RunSummary } from './core/results.js';
export type { Reporter } from './reports/types.js';
export { lintMatrices, type LintMatricesOptions, type LintOutcome } from './lint/lint-matrices.js';
export { runLints, lintCatalog, failingFindings, LINTS, type FailOn, type LintOptions } from './lint/index.js';
export { computeCoverage, type CoverageInput } from './matrix/coverage.js';
export type { LintFinding, LintId, LintSeverity, Coverage, CoverageStatus, TableCoverage } from './core/results.js';
