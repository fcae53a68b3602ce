import type { StartedDatabase } from '../database/index.js';
import type { Io } from './io.js';

/** What `main` gives every command: where to write, the signal handling it takes part in, and the exit code it sets. */
export interface CommandContext {
  io: Io;
  /** Aborted on Ctrl-C/SIGTERM: stops a server that is still starting. */
  signal: AbortSignal;
  /** Registers a started server, so a signal stops it (and its password is redacted). */
  onStarted: (database: StartedDatabase) => void;
  /** Registers what a signal must undo besides stopping servers (a report folder being written). */
  onCleanup: (cleanup: () => Promise<unknown>) => void;
  /** What a signal says it is stopping, in the words of the running command. */
  setStopping: (what: string) => void;
  setExitCode: (code: number) => void;
}
