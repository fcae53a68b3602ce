/** Why a reporter, the manifest or `verifyReport` could not do its job. */
export type ReportErrorCode =
  /** A hook ran out of order (onCellResult or onRunEnd before onRunStart, or after onRunEnd). */
  | 'ERR_REPORT_STATE'
  /** An unknown reporter name was asked for. */
  | 'ERR_REPORT_UNKNOWN_REPORTER'
  /** Writing an artifact failed (permissions…); `cause` holds the fs error. */
  | 'ERR_REPORT_WRITE'
  /** The device holding the report folder is full (ENOSPC, EDQUOT); `cause` holds the fs error. */
  | 'ERR_REPORT_DISK_FULL'
  /** Another run is writing its report to the same folder. */
  | 'ERR_REPORT_LOCKED'
  /** The report folder cannot be one: it holds files rls-matrix did not write, is a file, or a mount point. */
  | 'ERR_REPORT_FOLDER'
  /** A signing or verification key could not be read or is not an Ed25519 key. */
  | 'ERR_REPORT_KEY'
  /** manifest.json is absent or not a manifest this version understands. */
  | 'ERR_REPORT_MANIFEST'
  /** A results.json is not a results file this version understands. */
  | 'ERR_REPORT_RESULTS_FORMAT';

/**
 * The one error class of `reports/`: callers `switch (err.code)`.
 *
 * @example
 * ```ts
 * try { await verifyReport('rls-report') } catch (err) {
 *   if (err instanceof ReportError && err.code === 'ERR_REPORT_MANIFEST') return 2; // bad input
 *   throw err;
 * }
 * ```
 */
export class ReportError extends Error {
  override name = 'ReportError';
  readonly code: ReportErrorCode;
  /** The file the error is about, when there is one. */
  readonly path?: string;

  constructor(code: ReportErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
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
