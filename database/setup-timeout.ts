import { HarnessError } from '../core/index.js';

/**
 * On someone else's database (`--provider url`), the longest a setup statement waits for a lock
 * another session holds: a statement waiting for a lock queues that database's own traffic on the
 * same table behind it, so it gives up long before the setup timeout (at half of it when that is
 * shorter: a lock_timeout at or past statement_timeout would never be the one that fires).
 */
const URL_SETUP_LOCK_TIMEOUT_MS = 10_000;

/** The bounds a workspace puts on its setup statements. */
export interface SetupTimeouts {
  /** statement_timeout, ms. */
  statementMs: number;
  /** lock_timeout, ms; 0 (no bound) on servers the harness started, where only the run itself takes locks. */
  lockMs: number;
}

export function setupTimeouts(setupTimeoutMs: number, onSomeoneElsesDatabase: boolean): SetupTimeouts {
  const statementMs = Math.max(1, Math.round(setupTimeoutMs));
  return { statementMs, lockMs: onSomeoneElsesDatabase ? Math.max(1, Math.min(Math.floor(statementMs / 2), URL_SETUP_LOCK_TIMEOUT_MS)) : 0 };
}

/** `set_config` calls (for a select list) that put the setup bounds back: a migration's `SET statement_timeout = 0` must not lift them. */
export function setupSettings(timeouts: SetupTimeouts, local: boolean): string {
  return `set_config('statement_timeout', '${timeouts.statementMs}', ${local}), set_config('lock_timeout', '${timeouts.lockMs}', ${local})`;
}

/**
 * Runs setup work, turning a statement PostgreSQL cancelled for running past statement_timeout
 * (57014) or waiting past lock_timeout (55P03) into an infrastructure error (exit 3) that keeps
 * the statement's location from the original error and says which bound it hit and what to do.
 */
export async function withSetupTimeouts<T>(timeouts: SetupTimeouts, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw timeoutError(error, timeouts) ?? error;
  }
}

function timeoutError(error: unknown, timeouts: SetupTimeouts): HarnessError | undefined {
  const sqlstate = sqlstateOf(error);
  const what = (error as Error).message;
  if (sqlstate === '57014') {
    return new HarnessError(
      'ERR_SETUP_TIMEOUT',
      `${what}\n  this setup statement ran longer than --setup-timeout (${timeouts.statementMs} ms) and was cancelled: make it faster, or raise --setup-timeout`,
      { cause: error },
    );
  }
  if (sqlstate === '55P03') {
    return new HarnessError(
      'ERR_LOCK_TIMEOUT',
      `${what}\n  this setup statement waited longer than ${timeouts.lockMs} ms for a lock that another session on that database holds, and was cancelled: ` +
        `find that session (pg_stat_activity, pg_locks) and retry when it is done`,
      { cause: error },
    );
  }
  return undefined;
}

/** The SQLSTATE of an error or of the first error in its `cause` chain that has one. */
function sqlstateOf(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; sqlstate?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.sqlstate === 'string') return e.sqlstate;
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}
