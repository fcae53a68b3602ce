import { type ReportErrorCode, RlsMatrixError } from '../core/index.js';

/**
 * The one error class of `reports/`: callers `switch (err.code)`.
 *
 * @example
 * ```ts
 * try { await verifyReport('rls-report') } catch (err) {
 *   if (err instanceof ReportError && err.code === 'ERR_REPORT_MANIFEST') return err.exitCode; // 2: bad input
 *   throw err;
 * }
 * ```
 */
export class ReportError extends RlsMatrixError<ReportErrorCode> {
  override name = 'ReportError';
  /** The file the error is about, when there is one. */
  readonly path?: string;

  constructor(code: ReportErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(code, message, options);
    if (options?.path !== undefined) this.path = options.path;
  }
}

/**
 * A write that failed because the device is full, as the error a user can act on; any other error
 * unchanged. Looks through `cause` (a ReportError wrapping the fs error).
 */
export function withDiskFull(error: unknown, folder: string): unknown {
  for (let e = error; e; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      return new ReportError('ERR_REPORT_DISK_FULL', `no space left on the device holding ${folder}: free some space there, or write the report elsewhere with --out`, { path: folder, cause: error });
    }
    if (e === (e as { cause?: unknown }).cause) break;
  }
  return error;
}
