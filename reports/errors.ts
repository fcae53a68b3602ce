/** Why a reporter, the manifest or `verifyReport` could not do its job. */
export type ReportErrorCode =
  /** A hook ran out of order (onCellResult or onRunEnd before onRunStart, or after onRunEnd). */
  | 'ERR_REPORT_STATE'
  /** An unknown reporter name was asked for. */
  | 'ERR_REPORT_UNKNOWN_REPORTER'
  /** Writing an artifact failed (disk full, permissions…); `cause` holds the fs error. */
  | 'ERR_REPORT_WRITE'
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
