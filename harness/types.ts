import type { Cell, Operation, SourceLocation, Verdict } from '../matrix/types.js';

/** What the database did, classified (DESIGN §3). */
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
}

export interface RunTimings {
  providerMs: number;
  shimMs: number;
  migrationsMs: number;
  fixturesMs: number;
  planMs: number;
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
  startedAt: string;
  personas: { name: string; role: string }[];
  tables: string[];
  cellCount: number;
  workers: number;
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
  /** 0 pass, 1 mismatch (any fail or error). */
  exitCode: 0 | 1;
}

export type { Cell, Operation, SourceLocation, Verdict };
