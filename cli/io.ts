/** Where a command writes, and what it knows of its terminal and environment; tests pass their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  isTTY: boolean;
  env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stdout.isTTY),
  env: process.env,
};

/** Exit codes: 0 pass, 1 a mismatch (or a lint finding at --fail-on), 2 bad input, 3 infrastructure. */
export const EXIT = { pass: 0, mismatch: 1, badInput: 2, infrastructure: 3 } as const;

/** How the console looks for this invocation: colours on a terminal without NO_COLOR, progress on a terminal outside CI. */
export function consoleStyle(io: Io, quiet: boolean): { color: boolean; progress: boolean } {
  return { color: io.isTTY && !io.env.NO_COLOR, progress: io.isTTY && !io.env.CI && !quiet };
}
