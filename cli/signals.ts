import { setTimeout as sleep } from 'node:timers/promises';
import type { StartedDatabase } from '../database/index.js';
import type { Io } from './io.js';

/** How long a signal waits for the interrupted command to clean up before the process exits anyway. */
const COMMAND_GRACE_MS = 15_000;

/**
 * SIGINT and SIGTERM while a command runs. A signal stops every started server and decides the exit
 * code (130, 143); whatever the interrupted command then fails with (a lost connection, most often)
 * is a consequence, not news. A server still starting (initdb, a template copy) is stopped through
 * the abort signal, and the command is waited for, bounded, so that it has removed what it wrote
 * before the process exits.
 */
export class SignalTrap {
  readonly aborter = new AbortController();
  /** Set once a signal arrived: resolves to its exit code when everything is stopped. */
  interruption: Promise<number> | undefined;
  /** What a signal says it is stopping, in the words of the running command. */
  stopping = 'stopping PostgreSQL and removing its files…';
  private readonly started: StartedDatabase[] = [];
  private readonly cleanups: (() => Promise<unknown>)[] = [];
  private command: Promise<unknown> | undefined;
  private signalled: (p: Promise<number>) => void = () => undefined;
  /** Resolves with the exit code once a signal has stopped everything; never otherwise. */
  readonly interrupted = new Promise<number>((resolve) => (this.signalled = (p) => void p.then(resolve)));
  private readonly onSigint = this.onSignal('SIGINT', 130);
  private readonly onSigterm = this.onSignal('SIGTERM', 143);

  constructor(private readonly io: Io) {
    process.once('SIGINT', this.onSigint);
    process.once('SIGTERM', this.onSigterm);
  }

  /** A started server: a signal stops it. */
  addServer(database: StartedDatabase): void {
    this.started.push(database);
  }

  /** Something a signal must undo besides stopping servers. */
  addCleanup(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  /** The command running: a signal waits for it (bounded) after aborting it. */
  watch(command: Promise<unknown>): void {
    this.command = command;
  }

  dispose(): void {
    process.off('SIGINT', this.onSigint);
    process.off('SIGTERM', this.onSigterm);
  }

  private onSignal(signal: NodeJS.Signals, code: number): () => void {
    return () => {
      if (this.interruption) return;
      this.io.stderr(`\nrls-matrix: ${signal}, ${this.stopping}\n`);
      this.aborter.abort();
      // Bounded: a command stuck on something no signal reaches must not keep the process alive.
      const commandEnded = this.command && Promise.race([this.command.catch(() => undefined), sleep(COMMAND_GRACE_MS, undefined, { ref: false })]);
      this.interruption = Promise.allSettled([...this.started.map((db) => db.stop()), ...this.cleanups.map((cleanup) => cleanup()), commandEnded]).then(() => code);
      this.signalled(this.interruption);
    };
  }
}
