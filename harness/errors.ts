export type HarnessErrorCode =
  | 'ERR_PROVIDER_START'
  | 'ERR_PROVIDER_UNAVAILABLE'
  | 'ERR_CONNECTION'
  | 'ERR_SHIM_INSTALL'
  | 'ERR_PERSONA_ROLE'
  | 'ERR_SCOPE_FAILED'
  | 'ERR_ROW_VALUE'
  | 'ERR_JWT';

/** Exit code 2: the input is wrong. Exit code 3: the infrastructure is. */
const BAD_INPUT: ReadonlySet<HarnessErrorCode> = new Set(['ERR_PERSONA_ROLE', 'ERR_SCOPE_FAILED', 'ERR_ROW_VALUE']);

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
