import { formatLocation, type MatrixErrorCode, RlsMatrixError, type SourceLocation } from '../core/index.js';

/** A problem in what the user wrote: always names file:line:column, exit code 2. */
export class MatrixError extends RlsMatrixError<MatrixErrorCode> {
  override name = 'MatrixError';
  readonly location?: SourceLocation;
  readonly suggestion?: string;

  constructor(code: MatrixErrorCode, message: string, location?: SourceLocation, suggestion?: string, options?: { cause?: unknown }) {
    super(code, `${message}${location ? ` at ${formatLocation(location)}` : ''}${suggestion ? ` — did you mean '${suggestion}'?` : ''}`, options);
    if (location) this.location = location;
    if (suggestion) this.suggestion = suggestion;
  }
}

/** Several matrix errors found in one pass, so the user fixes them all at once. */
export class MatrixErrors extends RlsMatrixError<'ERR_MATRIX_INVALID'> {
  override name = 'MatrixErrors';
  constructor(readonly errors: MatrixError[]) {
    super('ERR_MATRIX_INVALID', errors.map((e) => e.message).join('\n'));
  }
}
