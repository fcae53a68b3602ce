import { redactingWriter } from '../database/index.js';
import { terminalText } from '../reports/index.js';

/**
 * A writer for stdout or stderr: redacted (see `redactingWriter`), control characters spelled out
 * and the console's own colour and progress sequences restored (see `terminalText`).
 */
export function terminalWriter<R>(write: (text: string) => R, secrets: readonly string[]): (text: string) => R {
  return redactingWriter((text) => write(terminalText(text)), secrets);
}
