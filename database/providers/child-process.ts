// Kept in the emitted .d.ts: a project whose tsconfig lists its `types` still loads @types/node for this file.
/// <reference types="node" preserve="true" />
import type { ChildProcessWithoutNullStreams, ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Asks a child process to stop with `signal`, SIGKILLs it if it is still there after `graceMs`,
 * and resolves once it is gone (`exited` resolves on its 'exit' event). Nothing to do for a child
 * that has already exited.
 */
export async function stopChild(child: ChildProcess, exited: Promise<unknown>, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = new AbortController();
  const late = await Promise.race([exited.then(() => false), sleep(graceMs, true, { signal: timer.signal }).catch(() => false)]);
  timer.abort();
  if (late) {
    child.kill('SIGKILL');
    await exited;
  }
}

/**
 * Reads a child's stdout and stderr line by line: each non-empty line goes to `onLine`, and the
 * last 50 are kept in the returned array (for an error that quotes the child's last words).
 */
export function keepLastLines(child: Pick<ChildProcessWithoutNullStreams, 'stdout' | 'stderr'>, onLine?: (line: string) => void): string[] {
  const lines: string[] = [];
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line.trimEnd());
      if (lines.length > 50) lines.shift();
      onLine?.(line.trimEnd());
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return lines;
}
