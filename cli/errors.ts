import { RlsMatrixError } from '../core/index.js';
import { MatrixErrors } from '../matrix/index.js';
import { EXIT, type Io } from './io.js';
import { terminalWriter } from './terminal.js';

/**
 * Prints an error the user can act on and returns its exit code: the library's own errors carry it
 * (`RlsMatrixError.exitCode`), anything else is a bug (3, "please report it"). Stack traces only
 * with RLS_MATRIX_DEBUG.
 */
export function reportError(error: unknown, io: Io): number {
  const stderr = terminalWriter(io.stderr, []);
  const commanderCode = (error as { code?: string }).code;
  if (commanderCode?.startsWith('commander.')) {
    if (commanderCode === 'commander.helpDisplayed' || commanderCode === 'commander.version' || commanderCode === 'commander.help') return EXIT.pass;
    return EXIT.badInput;
  }
  if (io.env.RLS_MATRIX_DEBUG) stderr(`${(error as Error).stack}\n`);
  if (error instanceof MatrixErrors) {
    stderr(`rls-matrix: the matrix has ${error.errors.length} problem${error.errors.length > 1 ? 's' : ''}:\n${error.errors.map((e) => `  ${e.message}`).join('\n')}\n`);
    return error.exitCode;
  }
  if (error instanceof RlsMatrixError) {
    stderr(`rls-matrix: ${error.message}\n`);
    return error.exitCode;
  }
  stderr(`rls-matrix: unexpected failure: ${(error as Error)?.message ?? String(error)}\n  (set RLS_MATRIX_DEBUG=1 for the stack trace, and please report it)\n`);
  return EXIT.infrastructure;
}
