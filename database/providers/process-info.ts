import { readFileSync } from 'node:fs';

/**
 * True when `pid` names a running process (a zombie, dead but not yet reaped by its parent, is not
 * running). EPERM means it exists but belongs to another user: running.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return procStat(pid)?.state !== 'Z';
}

/**
 * When the process started, in clock ticks since boot (Linux `/proc/<pid>/stat` field 22);
 * undefined elsewhere. With the pid it identifies a process even after pids wrap around.
 */
export function processStartTicks(pid: number): string | undefined {
  return procStat(pid)?.startTicks;
}

/** The process's command line (Linux), or undefined when it cannot be read. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * True when the process's parent is no longer a Node.js process (Linux): a postmaster we spawn is
 * the child of the node that ran the harness, and is reparented (to init or a subreaper) when that
 * node dies. False when it cannot tell.
 */
export function isOrphaned(pid: number): boolean {
  const ppid = procStat(pid)?.ppid;
  if (ppid === undefined) return false;
  if (ppid === 1) return true;
  return !/\bnode\b/.test(commandLine(ppid) ?? 'node');
}

/** True where /proc describes processes, so the checks above are exact rather than best effort. */
export function hasProcfs(): boolean {
  return procStat(process.pid) !== undefined;
}

function procStat(pid: number): { state: string; ppid: number; startTicks: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), startTicks: fields[19]! };
  } catch {
    return undefined;
  }
}
