export type HarnessErrorCode =
  | 'ERR_PROVIDER_START'
  | 'ERR_PROVIDER_UNAVAILABLE'
  | 'ERR_CONNECTION'
  | 'ERR_SHIM_INSTALL'
  | 'ERR_PERSONA_ROLE'
  | 'ERR_SCHEMA_UNKNOWN'
  | 'ERR_SCOPE_FAILED'
  | 'ERR_ROW_VALUE'
  | 'ERR_JWT'
  | 'ERR_USAGE'
  | 'ERR_BINARY_NOT_FOUND'
  | 'ERR_DOCKER_UNAVAILABLE'
  | 'ERR_PORT_IN_USE'
  | 'ERR_DISK_FULL'
  | 'ERR_PROVIDER_OPTIONS'
  | 'ERR_URL_INVALID'
  | 'ERR_MIGRATIONS_NEED_FLAG'
  | 'ERR_TRANSACTION_CONTROL'
  | 'ERR_ESCAPES_TRANSACTION'
  | 'ERR_TRANSACTION_ENDED'
  | 'ERR_SETUP_TIMEOUT'
  | 'ERR_LOCK_TIMEOUT'
  | 'ERR_LOCK_TABLE_FULL'
  | 'ERR_NO_CELLS'
  | 'ERR_INTERRUPTED'
  | 'ERR_API_WRITES_REFUSED'
  | 'ERR_API_UNSAFE';

/** Exit code 2: the input is wrong. Exit code 3: the infrastructure is. */
const BAD_INPUT: ReadonlySet<HarnessErrorCode> = new Set([
  'ERR_PERSONA_ROLE',
  'ERR_SCHEMA_UNKNOWN',
  'ERR_SCOPE_FAILED',
  'ERR_ROW_VALUE',
  'ERR_USAGE',
  'ERR_PROVIDER_OPTIONS',
  'ERR_URL_INVALID',
  'ERR_MIGRATIONS_NEED_FLAG',
  'ERR_TRANSACTION_CONTROL',
  'ERR_ESCAPES_TRANSACTION',
  'ERR_NO_CELLS',
  'ERR_API_WRITES_REFUSED',
]);

/** A problem setting up or running the harness, with what to do next in the message. */
export class HarnessError extends Error {
  override name = 'HarnessError';
  readonly code: HarnessErrorCode;
  constructor(code: HarnessErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  get exitCode(): 2 | 3 {
    return BAD_INPUT.has(this.code) ? 2 : 3;
  }
}
