import { dirname } from 'node:path';
import { HarnessError, RlsMatrixError } from '../core/index.js';
import { diskError } from './providers/cluster-dir.js';
import type { StartedDatabase } from './providers/types.js';

/**
 * A full disk is the infrastructure's problem (exit 3), wherever it shows: PostgreSQL's SQLSTATE
 * 53100 in a migration, a fixture or a cell (otherwise reported as bad input, blaming that line);
 * a server that crashed because it could not write its WAL (a lost connection, with "No space
 * left on device" in its log); Node's own ENOSPC. Returns the error that says which disk and what
 * to do, or undefined when `error` is about something else.
 */
export function diskFullError(error: unknown, database: StartedDatabase): HarnessError | undefined {
  if (error instanceof HarnessError && error.code === 'ERR_DISK_FULL') return error;
  // The reports name their own folder (--out) when its disk is full.
  if (error instanceof RlsMatrixError && error.code.startsWith('ERR_REPORT_')) return undefined;
  const chain = causes(error);
  const full = chain.some((e) => sqlstateOf(e) === '53100' || /^(ENOSPC|EDQUOT)$/.test(String((e as { code?: unknown })?.code)));
  const crashed = !full && chain.some(isConnectionLoss) && (database.serverLog?.() ?? []).some((line) => /No space left on device|could not extend file|could not write to file/i.test(line));
  if (!full && !crashed) return undefined;
  if (database.location) return diskError({ code: 'ENOSPC', cause: error }, database.location);
  const local = chain.map((e) => (e as { path?: unknown })?.path).find((p): p is string => typeof p === 'string');
  if (local) return diskError({ code: 'ENOSPC', cause: error }, dirname(local));
  const { host, port } = database.connection;
  return new HarnessError(
    'ERR_DISK_FULL',
    `the database server at ${host}:${port} ran out of disk space (SQLSTATE 53100)${database.isolation === 'transaction' ? '; nothing was committed' : ''}: free space on that server, or run on a server of your own (--provider embedded)`,
    { cause: error },
  );
}

/** `error` and every `cause` below it. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && !chain.includes(e); e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

/** The SQLSTATE of a node-postgres error, a FixtureError or an observed cell error. */
function sqlstateOf(error: unknown): string | undefined {
  const e = error as { sqlstate?: unknown; code?: unknown };
  const code = typeof e?.sqlstate === 'string' ? e.sqlstate : e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The server went away: the connection ended, or the server said it is shutting down or crashed. */
function isConnectionLoss(error: unknown): boolean {
  const state = sqlstateOf(error);
  if (state && /^(08\d{3}|57P0[123])$/.test(state)) return true;
  return /Connection terminated|server closed the connection|terminating connection|connection lost/i.test((error as Error)?.message ?? '');
}

/** Throws the disk-full error for `error` (see `diskFullError`); returns when it is about something else. */
export function throwIfDiskFull(error: unknown, database: StartedDatabase): void {
  const full = diskFullError(error, database);
  if (full) throw full;
}
