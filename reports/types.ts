import type { CellResult, RunMeta, RunSummary } from '../core/results.js';

/**
 * A reporter is a set of optional hooks called as the run progresses; results stream through
 * `onCellResult` in completion order. Reporters receive read-only data and never query the database.
 */
export interface Reporter {
  onRunStart?(meta: Readonly<RunMeta>): void | Promise<void>;
  onCellResult?(result: Readonly<CellResult>): void | Promise<void>;
  onRunEnd?(summary: Readonly<RunSummary>): void | Promise<void>;
}

export type { CellResult, RunMeta, RunSummary };
