import type { CellAttribution, PolicyInfo } from './attribution.js';
import type { Cell } from './cell.js';
import type { Coverage } from './coverage.js';
import type { LintFinding, LintSeverity } from './lint.js';
import type { MergedFrom, ShardInfo } from './shard.js';
import type { MutationSummary } from './mutation.js';

/**
 * What a run produces, as every stage after the executor sees it: each cell's outcome and status,
 * the run's provenance (RunMeta) and its summary. Reporters receive exactly these.
 */

/**
 * What the database did, classified: `allowed` every target row, `partial` some, `filtered` none
 * without an error, `denied:privilege` / `denied:policy` refused (42501 by GRANT or by RLS),
 * `error` anything else (never read as allow or deny).
 */
export type OutcomeClass = 'allowed' | 'partial' | 'filtered' | 'denied:privilege' | 'denied:policy' | 'error';

/** A database error with node-postgres' fields kept as they came. */
export interface DatabaseErrorFields {
  sqlstate: string;
  message: string;
  detail?: string;
  hint?: string;
  table?: string;
  constraint?: string;
}

/** One HTTP request to PostgREST and its answer, as reports show them (tokens replaced by whose they are). */
export interface ApiExchange {
  request: { method: string; url: string; headers: Record<string, string>; body?: string };
  response?: { status: number; headers: Record<string, string>; body: string };
}

/** How a cell ran: through the real API, or as SQL (with the reason when the API was asked for). */
export type ExecutedVia = { executor: 'postgrest'; exchange?: ApiExchange } | { executor: 'sql'; reason?: string };

/** Under --cross-check: a cell whose two executors disagree, with both requests and answers. */
export interface FidelityMismatch {
  sql: { statement: string; outcome: Outcome };
  postgrest: { outcome: Outcome; exchange?: ApiExchange };
}

export interface Outcome {
  class: OutcomeClass;
  /** Rows the operation returned or affected. */
  rows: number;
  /** Rows the scope (or table) holds, RLS-free: what `allowed` means. */
  targetRows: number;
  error?: DatabaseErrorFields;
  /** Set when the cell proved nothing: its scope matched no row. */
  vacuous?: boolean;
  /** Why the outcome is `error` when no database error explains it (vacuous, harness problem). */
  reason?: string;
}

/** How a cell's outcome compares with its expected verdict. */
export type CellStatus = 'pass' | 'fail' | 'error' | 'known';

export interface CellResult {
  cell: Cell;
  outcome: Outcome;
  status: CellStatus;
  /** The operation statement as the persona ran it (without the savepoint and claim setup). */
  sql: string;
  /** The PostgreSQL role the cell ran as. */
  role: string;
  durationMs: number;
  /**
   * Set when the cell's first run met a conflict with another in-flight cell of the run (a deadlock,
   * a serialization failure, a lock wait): it was re-run alone, and this result is the re-run's.
   */
  rerun?: Rerun;
  /** Set when the run asked for the API (--executor postgrest, --cross-check): how this cell ran. */
  via?: ExecutedVia;
  /** --cross-check: the two executors disagreed (the cell then fails, whatever its verdict). */
  fidelity?: FidelityMismatch;
  /** Which policies applied, and for a failing or partial cell which one decided each row (never changes the status). */
  attribution?: CellAttribution;
  /**
   * For a cell that did not pass: its whole statement sequence as the executor sent it (begin, the
   * persona's role and claims, the operation, rollback), to paste into psql against the same database.
   */
  replay?: string;
}

export interface RunTimings {
  providerMs: number;
  shimMs: number;
  migrationsMs: number;
  fixturesMs: number;
  /** Before the first cell: counting the cells, lints, and planning the first chunk of cells. */
  planMs: number;
  /** Planning the later chunks, while earlier cells run (inside `executionMs`, so not part of setup). */
  planAlongsideMs?: number;
  /** From the first cell's start to the last cell's end (summed per matrix). */
  executionMs: number;
  totalMs: number;
}

/** Facts about the run every reporter may print (no secrets: never a password, URL or JWT secret). */
export interface RunMeta {
  tool: { name: 'rls-matrix'; version: string };
  matrixName: string;
  matrixFiles: string[];
  /** Every source file the run read: matrices, migrations, fixtures. */
  sources: string[];
  provider: string;
  postgresVersion: string;
  /** sha256 over policies, RLS flags and grants of the tested schemas. */
  schemaFingerprint: string;
  gitCommit?: string;
  /** Who ran it: the CI actor or the local user, and the CI run's address when there is one. */
  actor?: string;
  ciRunUrl?: string;
  startedAt: string;
  personas: { name: string; role: string; claims?: Record<string, unknown> }[];
  tables: string[];
  cellCount: number;
  workers: number;
  /** How cells ran, when not only as SQL: through the real PostgREST, or both ways (--cross-check). */
  executor?: 'postgrest' | 'cross-check';
  /** Schema lint findings, most severe first; waived ones included (marked). Absent when the run did not lint. */
  lint?: LintFinding[];
  /** What the matrices state, leave to `"*"`/`defaults`, or leave untested, per table × persona × operation. */
  coverage?: Coverage;
  /** `--shard i/n`: this report holds one shard of the run's cells (`cellCount` of `shard.totalCells`); coverage, tables and lints are the whole run's. */
  shard?: ShardInfo;
  /** A report `rls-matrix merge` made from shard reports: which ones. */
  merged?: MergedFrom;
  /** Every row-level security policy on the tables the cells touch (cells name the ones that applied to them). */
  policies?: PolicyInfo[];
  /** What a reader should know about how the matrix was written (a matrix without `defaults`…), one sentence each. */
  warnings?: string[];
}

export interface RunCounts {
  total: number;
  pass: number;
  fail: number;
  error: number;
  known: number;
}

export interface RunSummary {
  counts: RunCounts;
  timings: RunTimings;
  finishedAt: string;
  cellsPerSecond: number;
  /** 0 pass, 1 mismatch (any fail or error) or, with --fail-on, a failing lint finding. */
  exitCode: 0 | 1;
  /** With --fail-on: how many unwaived lint findings are at or above it (any makes exitCode 1). */
  lintFailures?: number;
  /** The --fail-on severity `lintFailures` counted from, so a report can name which findings fail. */
  lintFailOn?: LintSeverity;
  /** Cells re-run alone after a conflict with another in-flight cell (see `CellResult.rerun`), by SQLSTATE. */
  reruns?: RerunCounts;
  /** --cross-check: cells whose SQL and API outcomes differ (each also counted as failed). */
  fidelityMismatches?: number;
  /** With --fail-on untested: the table × persona × operation combinations no cell tests (any makes exitCode 1). */
  untestedFailures?: number;
  /** `rls-matrix mutate`: the mutants and how the matrix fared against them (the cells are the baseline run's). */
  mutation?: MutationSummary;
}

/**
 * Errors that say another cell in flight on another connection got in the way, not what the
 * policies decide: two cells whose triggers lock the same rows in opposite orders deadlock (40P01),
 * a serializable cell fails to serialize (40001), a cell waits for a row another cell holds longer
 * than the lock wait allows (55P03). Which cells run side by side is chance, so such an outcome is
 * never a verdict: the cell runs again alone and its re-run is what counts.
 */
export const CONFLICTS: Readonly<Record<string, string>> = { '40P01': 'deadlock', '40001': 'serialization failure', '55P03': 'lock wait' };

/** Why a cell was re-run: the SQLSTATE its first run met, and what that means. */
export interface Rerun {
  sqlstate: string;
  reason: string;
}

/** The cells of a run that were re-run alone, in total and per SQLSTATE. */
export interface RerunCounts {
  count: number;
  /** Cells per SQLSTATE that made them re-run, e.g. `{ '40P01': 2 }`. */
  bySqlstate: Record<string, number>;
}

/**
 * A reporter is a set of optional hooks called as the run progresses; results stream through
 * `onCellResult` in completion order. Reporters receive read-only data and never query the database.
 */
export interface Reporter {
  onRunStart?(meta: Readonly<RunMeta>): void | Promise<void>;
  onCellResult?(result: Readonly<CellResult>): void | Promise<void>;
  onRunEnd?(summary: Readonly<RunSummary>): void | Promise<void>;
}
