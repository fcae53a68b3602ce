import { DEFAULT_OPERATIONS, STORAGE_OPERATIONS } from './operations.js';

/** The operations coverage is measured on: those bare verdicts and `defaults` cover. */
export const COVERAGE_OPERATIONS = DEFAULT_OPERATIONS;
export type CoverageOperation = (typeof COVERAGE_OPERATIONS)[number];

/** What coverage measures on a storage bucket the matrix names: every storage verb, as `defaults` covers them. */
export const BUCKET_OPERATIONS = Object.keys(STORAGE_OPERATIONS) as (keyof typeof STORAGE_OPERATIONS)[];
/** What coverage measures on a function the matrix names: calling it. */
export const FUNCTION_OPERATIONS = ['call'] as const;

/**
 * How a persona × table × operation is tested: `stated` by a line written for that table (a
 * named case counts for the operation it runs), `defaulted` only through `"*"` or `defaults`,
 * `untested` by no cell at all.
 */
export type CoverageStatus = 'stated' | 'defaulted' | 'untested';

export interface CoverageCounts {
  stated: number;
  defaulted: number;
  untested: number;
  /** stated + defaulted + untested: tables × personas × operations. */
  total: number;
}

export interface TableCoverage {
  /** Schema-qualified name. */
  table: string;
  /** Named under `tables:` (or stated through `storage:`), not only reached through `"*"` or `defaults`. */
  mentioned: boolean;
  /** persona → operation → status. */
  personas: Record<string, Record<CoverageOperation, CoverageStatus>>;
  counts: CoverageCounts;
}

/** A storage bucket or a function the matrix names, and how each persona × verb of it is tested. */
export interface ObjectCoverage {
  /** The bucket id, or the function's schema-qualified name. */
  name: string;
  /** The verbs measured: {@link BUCKET_OPERATIONS} or {@link FUNCTION_OPERATIONS}. */
  operations: readonly string[];
  /** persona → verb → status. */
  personas: Record<string, Record<string, CoverageStatus>>;
  counts: CoverageCounts;
}

/** What a run's matrices test, and what they leave to defaults or to nobody. */
export interface Coverage {
  operations: readonly CoverageOperation[];
  /** Every persona of the matrices, in the order declared. */
  personas: string[];
  /** Tables the cells touch plus every table of the exposed schemas, sorted by name. */
  tables: TableCoverage[];
  /** Storage buckets the matrices name under `storage:`, sorted: persona × upload, download, overwrite, move, remove. */
  buckets: ObjectCoverage[];
  /** Functions the matrices name under `functions:`, sorted: persona × call. */
  functions: ObjectCoverage[];
  /** Every combination: the tables', the buckets' and the functions'. */
  counts: CoverageCounts;
  /** Tables of the exposed schemas no matrix names explicitly. */
  unmentionedTables: string[];
  /** Personas no cell acts as. */
  idlePersonas: string[];
}
