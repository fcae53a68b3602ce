import { randomBytes } from 'node:crypto';
import { spellControls } from './format.js';

/**
 * The console's own control sequences. Names, messages and SQL come from matrices and databases
 * other people write: a raw ESC, BEL or CR in them could retitle or clear the terminal or overwrite
 * a FAIL line, and U+202E could reorder it. So every write to a terminal has its control characters
 * spelled out (`terminalText`), whatever code printed it.
 *
 * The console's colours and progress line are the only control sequences let through. They are
 * written with a token in place of ESC and CR, random per process so that no text from outside can
 * contain it, and the token is turned back into ESC or CR after spelling.
 */
const TOKEN = `\u{F8FF}${randomBytes(8).toString('hex')}`;
const ESC = `${TOKEN}e`;
const CR = `${TOKEN}r`;

/** Wraps text in an ANSI colour code, or not (NO_COLOR, not a terminal). */
export type Paint = (code: number, text: string) => string;

/** The console's colours: SGR sequences only `terminalText` turns into escape codes. */
export function painter(color: boolean): Paint {
  return (code, text) => (color ? `${ESC}[${code}m${text}${ESC}[0m` : text);
}

/** Back to the start of the line, cleared: where a progress bar or stage is drawn. */
export const CLEAR_LINE = `${CR}${ESC}[K`;
/** Back to the start of the line, to redraw it. */
export const LINE_START = CR;

/** Text as a terminal may receive it: control characters spelled out, then the console's own colour and progress sequences restored. */
export function terminalText(text: string): string {
  return spellControls(text).replaceAll(ESC, '\u001b').replaceAll(CR, '\r');
}
