import { readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandLine, isRunning, processStartTicks } from './process-info.js';

/**
 * Servers a run starts beside its database (PostgREST) are its children, stopped with the database.
 * A run killed outright (SIGKILL) cannot stop them, and they do not notice their database going
 * away, so each leaves a marker in the temp directory naming itself and its owner: the next run's
 * reaper stops the ones whose owner is gone, as it stops orphaned postmasters.
 */
export const SIDECAR_MARKER_NAME = /^rls-matrix-sidecar-\d+\.json$/;

interface SidecarMarker {
  tool: 'rls-matrix';
  /** What the process is (its command line must still contain it: pids get reused). */
  program: string;
  pid: number;
  startTicks?: string;
  owner: number;
  ownerStartTicks?: string;
}

/** Marks a started process as ours; returns how to remove the mark once it is stopped. */
export async function markSidecar(pid: number, program: string): Promise<() => Promise<void>> {
  const file = join(tmpdir(), `rls-matrix-sidecar-${pid}.json`);
  const marker: SidecarMarker = { tool: 'rls-matrix', program, pid, owner: process.pid };
  const startTicks = processStartTicks(pid);
  const ownerStartTicks = processStartTicks(process.pid);
  await writeFile(file, JSON.stringify({ ...marker, ...(startTicks ? { startTicks } : {}), ...(ownerStartTicks ? { ownerStartTicks } : {}) }), { mode: 0o600 });
  return () => unlink(file).catch(() => undefined);
}

/** Stops the marked process if its owner is gone (and it is still the process marked), then removes the marker. True when reaped. */
export async function reapSidecar(file: string, onLog?: (line: string) => void): Promise<boolean> {
  let marker: SidecarMarker;
  try {
    marker = JSON.parse(await readFile(file, 'utf8')) as SidecarMarker;
  } catch {
    return false;
  }
  if (marker.tool !== 'rls-matrix' || !Number.isInteger(marker.pid) || !Number.isInteger(marker.owner)) return false;
  const same = (pid: number, ticks: string | undefined) => isRunning(pid) && (ticks === undefined || processStartTicks(pid) === ticks);
  if (same(marker.owner, marker.ownerStartTicks)) return false;
  if (same(marker.pid, marker.startTicks) && (commandLine(marker.pid)?.includes(marker.program) ?? false)) {
    onLog?.(`rls-matrix: stopping ${marker.program} ${marker.pid} orphaned by process ${marker.owner}`);
    for (const [signal, waitMs] of [
      ['SIGTERM', 5000],
      ['SIGKILL', 2000],
    ] as const) {
      try {
        process.kill(marker.pid, signal);
      } catch {
        break;
      }
      for (let waited = 0; waited < waitMs && isRunning(marker.pid); waited += 25) await sleep(25);
      if (!isRunning(marker.pid)) break;
    }
  }
  await unlink(file).catch(() => undefined);
  return true;
}
