import { DEFAULT_OPERATIONS } from './operations.js';

/** The operations coverage is measured on: those bare verdicts and `defaults` cover. */
export const COVERAGE_OPERATIONS = DEFAULT_OPERATIONS;
export type CoverageOperation = (typeof COVERAGE_OPERATIONS)[number];

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

/** What a run's matrices test, and what they leave to defaults or to nobody. */
export interface Coverage {
  operations: readonly CoverageOperation[];
  /** Every persona of the matrices, in the order declared. */
  personas: string[];
  /** Tables the cells touch plus every table of the exposed schemas, sorted by name. */
  tables: TableCoverage[];
  counts: CoverageCounts;
  /** Tables of the exposed schemas no matrix names explicitly. */
  unmentionedTables: string[];
  /** Personas no cell acts as. */
  idlePersonas: string[];
}
