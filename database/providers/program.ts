import { spawn } from 'node:child_process';

/** How `runProgram` runs a program. */
export interface ProgramOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Killed (SIGKILL) after this long. @default no limit */
  timeoutMs?: number;
  /**
   * Aborting stops the program: SIGTERM, SIGKILL after 5 s. The promise rejects once it has
   * exited (child_process's own `signal` option rejects at once, while the program may still be
   * writing into the files the caller is about to remove).
   */
  signal?: AbortSignal | undefined;
}

/** A program that failed: its exit code or signal, and what it printed. */
class ProgramError extends Error {
  override name = 'ProgramError';
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs a program to completion and returns what it printed.
 *
 * @throws {ProgramError} when it exits non-zero or cannot start; the signal's reason (an AbortError) when aborted.
 */
export function runProgram(file: string, args: readonly string[], options: ProgramOptions = {}): Promise<{ stdout: string; stderr: string }> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timers: NodeJS.Timeout[] = [];
    let timedOut = false;
    if (options.timeoutMs !== undefined) {
      timers.push(
        setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, options.timeoutMs),
      );
    }
    const onAbort = () => {
      child.kill('SIGTERM');
      timers.push(setTimeout(() => child.kill('SIGKILL'), 5000));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const command = [file, ...args].join(' ');
    child.once('error', (error) => {
      finish();
      reject(new ProgramError(`cannot run ${file}: ${error.message}`, stdout, stderr));
    });
    child.once('close', (code, killedBy) => {
      finish();
      if (signal?.aborted) reject(signal.reason);
      else if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new ProgramError(`Command failed: ${command}${timedOut ? ` (no result within ${options.timeoutMs} ms)` : killedBy ? ` (${killedBy})` : ` (exit code ${code})`}\n${stderr}`, stdout, stderr),
        );
    });
    function finish() {
      for (const timer of timers) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  });
}
