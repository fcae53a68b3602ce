/**
 * What a run does when an option is left out, and the names the command line offers: the library
 * applies them, the command line shows them in its help. Here rather than in harness/ so that the
 * command line can register its flags without loading the run's code.
 */
export const RUN_DEFAULTS = {
  /** Connections running cells in parallel. */
  workers: 4,
  /** Longest a cell may run before it is cancelled and reported as an error. */
  cellTimeoutMs: 5000,
  /** Longest one setup statement (a migration or fixture statement, a scope or row value) may run. */
  setupTimeoutMs: 120_000,
} as const;

/**
 * The longest a cell or setup timeout may be: 24 hours, well inside the 2^31−1 ms that PostgreSQL's
 * statement_timeout and Node's timers accept (the API client also waits a little beyond a cell's).
 */
export const MAX_TIMEOUT_MS = 86_400_000;

/** Which executor runs the cells: the SQL request shape in savepoints, or the real PostgREST with supabase-js. */
export const EXECUTOR_NAMES = ['sql', 'postgrest'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];
