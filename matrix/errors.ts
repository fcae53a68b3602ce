import type { SourceLocation } from './types.js';

export type MatrixErrorCode =
  | 'ERR_MATRIX_NOT_FOUND'
  | 'ERR_MATRIX_SYNTAX'
  | 'ERR_MATRIX_INVALID'
  | 'ERR_MATRIX_UNKNOWN_NAME'
  | 'ERR_MATRIX_REFERENCE';

/** A problem in what the user wrote: always names file:line:column, exit code 2. */
export class MatrixError extends Error {
  override name = 'MatrixError';
  readonly code: MatrixErrorCode;
  readonly location?: SourceLocation;
  readonly suggestion?: string;

  constructor(code: MatrixErrorCode, message: string, location?: SourceLocation, suggestion?: string, options?: { cause?: unknown }) {
    super(`${message}${location ? ` at ${formatLocation(location)}` : ''}${suggestion ? ` — did you mean '${suggestion}'?` : ''}`, options);
    this.code = code;
    if (location) this.location = location;
    if (suggestion) this.suggestion = suggestion;
  }
}

/** Several matrix errors found in one pass, so the user fixes them all at once. */
export class MatrixErrors extends Error {
  override name = 'MatrixErrors';
  readonly code = 'ERR_MATRIX_INVALID' as const;
  constructor(readonly errors: MatrixError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

export function formatLocation(location: SourceLocation): string {
  if (location.line === undefined) return location.file;
  return `${location.file}:${location.line}:${location.column ?? 1}`;
}
