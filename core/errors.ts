/**
 * Every error code the library throws with, and the exit code each one means, in one table: 2 when
 * what the user gave us is wrong (a matrix, a migration, a flag), 3 when the infrastructure is (a
 * server that does not start, a full disk, a lost connection). Each stage has its own error class,
 * all extending {@link RlsMatrixError}, so callers `switch (err.code)` and the command line reads
 * `err.exitCode` instead of deciding it again.
 */

const BAD_INPUT = 2;
const INFRASTRUCTURE = 3;
export type ErrorExitCode = typeof BAD_INPUT | typeof INFRASTRUCTURE;

/** matrix/: what the user wrote. */
const MATRIX = {
  ERR_MATRIX_NOT_FOUND: BAD_INPUT,
  ERR_MATRIX_SYNTAX: BAD_INPUT,
  ERR_MATRIX_INVALID: BAD_INPUT,
  ERR_MATRIX_UNKNOWN_NAME: BAD_INPUT,
  ERR_MATRIX_REFERENCE: BAD_INPUT,
  /** A TypeScript matrix, and tsx (an optional peer dependency) is not installed. */
  ERR_MATRIX_LOADER_MISSING: INFRASTRUCTURE,
} as const satisfies Record<string, ErrorExitCode>;

/** fixtures/: migrations and seeds the user gave us failed. */
const FIXTURES = {
  ERR_MIGRATION_FAILED: BAD_INPUT,
  ERR_SEED_SQL_FAILED: BAD_INPUT,
  ERR_SEED_ROW_FAILED: BAD_INPUT,
  ERR_SEED_VALUE: BAD_INPUT,
  ERR_SEED_USERS_FAILED: BAD_INPUT,
} as const satisfies Record<string, ErrorExitCode>;

/** database/, lint/, harness/: setting up or running the harness. */
const HARNESS = {
  ERR_PROVIDER_START: INFRASTRUCTURE,
  ERR_PROVIDER_UNAVAILABLE: INFRASTRUCTURE,
  ERR_CONNECTION: INFRASTRUCTURE,
  ERR_SHIM_INSTALL: INFRASTRUCTURE,
  ERR_PERSONA_ROLE: BAD_INPUT,
  ERR_SCHEMA_UNKNOWN: BAD_INPUT,
  ERR_SCOPE_FAILED: BAD_INPUT,
  /** The connecting role cannot read, RLS-free, the tables the harness itself must read (--provider url). */
  ERR_ROW_ACCESS: INFRASTRUCTURE,
  ERR_ROW_VALUE: BAD_INPUT,
  ERR_JWT: INFRASTRUCTURE,
  ERR_USAGE: BAD_INPUT,
  ERR_BINARY_NOT_FOUND: INFRASTRUCTURE,
  ERR_DOCKER_UNAVAILABLE: INFRASTRUCTURE,
  ERR_PORT_IN_USE: INFRASTRUCTURE,
  ERR_DISK_FULL: INFRASTRUCTURE,
  ERR_PROVIDER_OPTIONS: BAD_INPUT,
  ERR_URL_INVALID: BAD_INPUT,
  ERR_MIGRATIONS_NEED_FLAG: BAD_INPUT,
  ERR_TRANSACTION_CONTROL: BAD_INPUT,
  ERR_ESCAPES_TRANSACTION: BAD_INPUT,
  ERR_TRANSACTION_ENDED: INFRASTRUCTURE,
  ERR_SETUP_TIMEOUT: INFRASTRUCTURE,
  ERR_LOCK_TIMEOUT: INFRASTRUCTURE,
  ERR_LOCK_TABLE_FULL: INFRASTRUCTURE,
  ERR_NO_CELLS: BAD_INPUT,
  ERR_INTERRUPTED: INFRASTRUCTURE,
  ERR_API_WRITES_REFUSED: BAD_INPUT,
  ERR_API_UNSAFE: INFRASTRUCTURE,
  /** mutate: the unmutated matrix does not pass, so no mutant could be judged. */
  ERR_MUTATE_BASELINE: BAD_INPUT,
  /** mutate: asked to change someone else's database (--provider url). */
  ERR_MUTATE_PROVIDER: BAD_INPUT,
} as const satisfies Record<string, ErrorExitCode>;

/** reports/: a reporter, the manifest or `verifyReport` could not do its job. */
const REPORTS = {
  /** A hook ran out of order (onCellResult or onRunEnd before onRunStart, or after onRunEnd). */
  ERR_REPORT_STATE: INFRASTRUCTURE,
  /** An unknown reporter name was asked for. */
  ERR_REPORT_UNKNOWN_REPORTER: BAD_INPUT,
  /** Writing an artifact failed (permissions…); `cause` holds the fs error. */
  ERR_REPORT_WRITE: INFRASTRUCTURE,
  /** The device holding the report folder is full (ENOSPC, EDQUOT); `cause` holds the fs error. */
  ERR_REPORT_DISK_FULL: INFRASTRUCTURE,
  /** Another run is writing its report to the same folder. */
  ERR_REPORT_LOCKED: INFRASTRUCTURE,
  /** The report folder cannot be one: it holds files rls-matrix did not write, is a file, or a mount point. */
  ERR_REPORT_FOLDER: BAD_INPUT,
  /** A signing or verification key could not be read or is not an Ed25519 key. */
  ERR_REPORT_KEY: BAD_INPUT,
  /** manifest.json is absent or not a manifest this version understands. */
  ERR_REPORT_MANIFEST: BAD_INPUT,
  /** A results.json is not a results file this version understands. */
  ERR_REPORT_RESULTS_FORMAT: BAD_INPUT,
  /** `diff`: a report that does not match its own manifest (altered, missing or added artifacts, a bad signature). */
  ERR_REPORT_NOT_INTACT: BAD_INPUT,
  /** `diff`: two reports or matrices that cannot be compared (other matrices, no cell in common). */
  ERR_REPORT_INCOMPARABLE: BAD_INPUT,
  /** `merge`: an input is not a shard report that verifies (altered, unsigned with --key, no results.json, a whole run's report). */
  ERR_REPORT_MERGE_INPUT: BAD_INPUT,
  /** `merge`: the inputs are shards of different runs (matrix, schema, commit, sources, version differ). */
  ERR_REPORT_MERGE_MISMATCH: BAD_INPUT,
  /** `merge`: a shard or a cell is given twice. */
  ERR_REPORT_MERGE_DUPLICATE: BAD_INPUT,
  /** `merge`: a shard is missing, or the shards do not hold every cell of the run. */
  ERR_REPORT_MERGE_INCOMPLETE: BAD_INPUT,
  /** `explain`: no cell of the report has that id (or several match the part given). */
  ERR_REPORT_NO_CELL: BAD_INPUT,
} as const satisfies Record<string, ErrorExitCode>;

export type MatrixErrorCode = keyof typeof MATRIX;
export type FixtureErrorCode = keyof typeof FIXTURES;
export type HarnessErrorCode = keyof typeof HARNESS;
export type ReportErrorCode = keyof typeof REPORTS;
export type ErrorCode = MatrixErrorCode | FixtureErrorCode | HarnessErrorCode | ReportErrorCode;

const EXIT_CODES: Readonly<Record<ErrorCode, ErrorExitCode>> = { ...MATRIX, ...FIXTURES, ...HARNESS, ...REPORTS };

/**
 * The base of every error the library throws on purpose: a `code` from the table above and the
 * exit code it means. Anything else reaching the command line is a bug (exit 3, "please report it").
 *
 * @example
 * ```ts
 * try { await runMatrix({ matrices: ['rls-matrix.yaml'] }) } catch (err) {
 *   if (err instanceof RlsMatrixError) return err.exitCode; // 2 bad input, 3 infrastructure
 *   throw err;
 * }
 * ```
 */
export class RlsMatrixError<Code extends ErrorCode = ErrorCode> extends Error {
  override name = 'RlsMatrixError';
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
  /** 2: the input is wrong; 3: the infrastructure is. */
  get exitCode(): ErrorExitCode {
    return EXIT_CODES[this.code];
  }
}

/** A problem setting up or running the harness (database/, lint/, harness/), with what to do next in the message. */
export class HarnessError extends RlsMatrixError<HarnessErrorCode> {
  override name = 'HarnessError';
}
