import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ReportError } from './errors.js';

/**
 * The lock a run holds on its report folder while it runs: a file beside the folder naming the
 * process that holds it. Internal to `reports/`.
 *
 * A second run on the same folder refuses at once rather than waiting. In CI two runs sharing an
 * --out are a misconfiguration (two jobs, one workspace) that waiting would hide, and the wait has
 * no bound a job could rely on: the first run may take minutes, or hang. Refusing fails the second
 * job in milliseconds with a message naming the fix (an --out per job, or one run after the other).
 */

/** What the lock file holds. */
interface LockOwner {
  tool: 'rls-matrix';
  pid: number;
  /** The process's start time (Linux), so a reused pid is not taken for the owner. */
  startTicks?: string;
  host: string;
  createdAt: string;
}

/**
 * Takes the lock at `file` for the report folder `folder`, taking over a lock whose owner is gone
 * (a run killed with SIGKILL). Returns the function that releases it.
 *
 * @throws {ReportError} `ERR_REPORT_LOCKED` when a live process holds it.
 */
export async function lockReportFolder(file: string, folder: string): Promise<() => Promise<void>> {
  const owner: LockOwner = { tool: 'rls-matrix', pid: process.pid, ...startTicks(process.pid), host: hostname(), createdAt: new Date().toISOString() };
  // Written aside, then linked into place: link() fails if the lock exists, and a lock file is never seen half-written.
  const pending = `${file}.${randomBytes(6).toString('hex')}`;
  await writeFile(pending, `${JSON.stringify(owner)}\n`);
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(pending, file);
        return () => unlink(file).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = await readOwner(file);
      if (attempt < 2 && holder !== 'absent' && !isHeld(holder)) {
        await unlink(file).catch(() => undefined);
        continue;
      }
      if (holder === 'absent' && attempt < 2) continue;
      throw lockedError(file, folder, holder);
    }
  } finally {
    await unlink(pending).catch(() => undefined);
  }
}

async function readOwner(file: string): Promise<LockOwner | 'absent' | 'unreadable'> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as Partial<LockOwner>;
    return owner.tool === 'rls-matrix' && Number.isInteger(owner.pid) && typeof owner.host === 'string' ? (owner as LockOwner) : 'unreadable';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'unreadable';
  }
}

/** Whether the lock's owner may still run. From another machine (a shared file system) nobody can tell: held. */
function isHeld(owner: LockOwner | 'unreadable'): boolean {
  if (owner === 'unreadable' || owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return owner.startTicks === undefined || startTicks(owner.pid).startTicks === owner.startTicks;
}

/** `{ startTicks }` from /proc/<pid>/stat (field 22), or nothing where there is no /proc. */
function startTicks(pid: number): { startTicks?: string } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { startTicks: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]! };
  } catch {
    return {};
  }
}

function lockedError(file: string, folder: string, holder: LockOwner | 'absent' | 'unreadable'): ReportError {
  const local = typeof holder === 'object' && holder.host === hostname();
  const who = typeof holder === 'object' ? `process ${holder.pid}${local ? '' : ` on ${holder.host}`}` : `according to ${file}`;
  // Only a process on this machine can be seen to be gone; otherwise the user decides.
  const stale = local ? '' : ` (if no such run is going, delete ${file})`;
  return new ReportError(
    'ERR_REPORT_LOCKED',
    `another rls-matrix run (${who}) is writing its report to ${folder}: give each run a --out of its own (e.g. rls-report-$CI_JOB_ID), or run them one after the other${stale}`,
    { path: file },
  );
}
