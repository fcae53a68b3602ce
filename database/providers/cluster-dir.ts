import { access, chmod, constants, mkdtemp, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';
import { processStartTicks } from './process-info.js';

/** Every directory a local provider creates is `<parent>/rls-matrix-XXXXXX` (see `clusterParent`). */
const CLUSTER_DIR_PREFIX = 'rls-matrix-';

/** A cluster directory's name: the prefix and mkdtemp's six characters (the tests' `rls-matrix-test-…` are not). */
export const CLUSTER_DIR_NAME = /^rls-matrix-[A-Za-z0-9]{6}$/;

/** Linux's shared-memory filesystem, where it exists. */
export const SHARED_MEMORY_DIR = '/dev/shm';
const TMPFS_MAGIC = 0x01021994;
const MIN_SHARED_MEMORY_FREE = 2 * 2 ** 30;

/**
 * Where cluster directories go: $TMPDIR when it is set (the user chose); otherwise /dev/shm when it
 * is a writable tmpfs with at least 2 GB free, else the system's temp directory. A cluster in memory
 * starts faster (copying the 31 MB template takes ~0.05 s there, 0.5–1 s on a busy virtual disk) and
 * never waits for a disk; a container's default 64 MB /dev/shm is too small and is not used.
 */
export async function clusterParent(): Promise<string> {
  if (process.env.TMPDIR) return tmpdir();
  try {
    const fs = await statfs(SHARED_MEMORY_DIR);
    if (fs.type === TMPFS_MAGIC && fs.bavail * fs.bsize >= MIN_SHARED_MEMORY_FREE) {
      await access(SHARED_MEMORY_DIR, constants.W_OK | constants.X_OK);
      return SHARED_MEMORY_DIR;
    }
  } catch {
    // No /dev/shm (macOS), or not usable: the temp directory.
  }
  return tmpdir();
}

/**
 * The file in a cluster directory naming the process that owns it. A later run removes the
 * directory (and stops its postmaster) once that process is gone: see `reap.ts`.
 */
export const OWNER_MARKER = 'rls-matrix-owner.json';

/** What `OWNER_MARKER` holds. */
export interface OwnerMarker {
  tool: 'rls-matrix';
  provider: string;
  /** The Node.js process that started the cluster. */
  pid: number;
  /** That process's start time (Linux), so a reused pid is not mistaken for the owner. */
  startTicks?: string;
  createdAt: string;
}

/**
 * Creates `<clusterParent>/rls-matrix-XXXXXX` for one cluster and marks it with this process as its owner.
 * The directory is made traversable (0755) because, as root, PostgreSQL runs as the `postgres`
 * user, which must reach the data directory inside it.
 */
export async function createClusterDir(provider: string): Promise<string> {
  const parent = await clusterParent();
  const root = await mkdtemp(join(parent, CLUSTER_DIR_PREFIX)).catch((cause: NodeJS.ErrnoException) => {
    throw (
      diskError(cause, parent) ??
      new HarnessError('ERR_PROVIDER_START', `cannot create a temporary directory for PostgreSQL in ${parent} (${cause.code ?? cause.message}): point TMPDIR at a writable directory with free space`, {
        cause,
      })
    );
  });
  try {
    await chmod(root, 0o755);
    const startTicks = processStartTicks(process.pid);
    const marker: OwnerMarker = { tool: 'rls-matrix', provider, pid: process.pid, ...(startTicks ? { startTicks } : {}), createdAt: new Date().toISOString() };
    await writeFile(join(root, OWNER_MARKER), `${JSON.stringify(marker)}\n`);
    if (process.getuid?.() === 0) await assertTraversable(root);
    return root;
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw diskError(error, parent) ?? error;
  }
}

/** A HarnessError for a full disk, or undefined when `error` is something else. */
export function diskError(error: unknown, where: string): HarnessError | undefined {
  const text = `${(error as NodeJS.ErrnoException)?.code ?? ''} ${(error as Error)?.message ?? String(error)}`;
  if (!/ENOSPC|EDQUOT|No space left on device|Disk quota exceeded/i.test(text)) return undefined;
  return new HarnessError('ERR_DISK_FULL', `no space left on the device holding ${where}: free some space there, or point TMPDIR at a disk with at least 100 MB free`, { cause: error });
}

/** As root the server runs as `postgres`, which must be able to reach its data directory. */
async function assertTraversable(dir: string): Promise<void> {
  const closed = await untraversableParent(dir);
  if (closed) {
    throw new HarnessError(
      'ERR_PROVIDER_START',
      `running as root, PostgreSQL runs as the postgres user, which cannot enter ${closed.dir} (mode ${closed.mode.toString(8)}): point TMPDIR at a directory others can traverse (e.g. /tmp), or run as a normal user`,
    );
  }
}

/** The nearest directory above `path` that others may not enter (no o+x), with its mode; undefined when every one is open. */
export async function untraversableParent(path: string): Promise<{ dir: string; mode: number } | undefined> {
  for (let parent = dirname(path); parent !== dirname(parent); parent = dirname(parent)) {
    const { mode } = await stat(parent);
    if ((mode & 0o001) === 0) return { dir: parent, mode: mode & 0o777 };
  }
  return undefined;
}
