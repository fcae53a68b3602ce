import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ReportError, withDiskFull } from './errors.js';
import { lockReportFolder } from './lock.js';

/**
 * The report folder of one run, whole or absent. Internal to `reports/`.
 *
 * Files are written into a private folder beside the report folder (same parent, so the same file
 * system) and renamed into place at the end: rename(2) is atomic, so no reader ever sees a report
 * half-written, or made of two runs. While the run goes on it holds a lock beside the folder
 * (`lock.ts`), and a second run on the same folder refuses. A report from an earlier run is removed
 * when the run begins: a run that fails or is interrupted leaves no report, rather than an old
 * one that reads as its result.
 */
export interface ReportFolder {
  /** Where the report is, once published. */
  readonly target: string;
  /** Where this run writes its files until then. */
  readonly staging: string;
  /** Moves the finished report into place and releases the lock. */
  publish(): Promise<void>;
  /** Removes what the run wrote and releases the lock (a run that ends without a report). */
  discard(): Promise<void>;
}

/** `.<name>.rls-matrix-XXXXXX`: this run's private folder, or an earlier report being removed. */
const privateName = (base: string) => `.${base}.rls-matrix-${randomBytes(6).toString('base64url').slice(0, 6)}`;

/**
 * Claims `outDir` for a run: locks it, removes the earlier report and any private folders that
 * runs killed outright left beside it, and creates the private folder to write into.
 *
 * @param ownFiles names a report may hold: a folder with anything else is not replaced.
 * @throws {ReportError} `ERR_REPORT_LOCKED`, `ERR_REPORT_FOLDER`, `ERR_REPORT_DISK_FULL`, `ERR_REPORT_WRITE`.
 */
export async function claimReportFolder(outDir: string, ownFiles: readonly string[]): Promise<ReportFolder> {
  // A symbolic link to a folder stays in place: the report replaces the folder it points to.
  const target = await realpath(outDir).catch(() => path.resolve(outDir));
  const parent = path.dirname(target);
  const base = path.basename(target);
  await mkdir(parent, { recursive: true }).catch((error: unknown) => {
    throw writeError(error, target, `cannot create ${parent}`);
  });
  const release = await lockReportFolder(path.join(parent, `.${base}.rls-matrix.lock`), target).catch((error: unknown) => {
    throw error instanceof ReportError ? error : writeError(error, target, `cannot lock ${target}`);
  });
  const staging = path.join(parent, privateName(base));
  try {
    // Holding the lock, every private folder of this report's name belongs to a run that is gone.
    const leftovers = (await readdir(parent)).filter((name) => name.startsWith(`.${base}.rls-matrix-`) && name.length === base.length + 19);
    await Promise.all(leftovers.map((name) => rm(path.join(parent, name), { recursive: true, force: true })));
    await removeEarlierReport(target, parent, ownFiles);
    await mkdir(staging);
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    await release();
    throw error instanceof ReportError ? error : writeError(error, target, `cannot prepare ${target}`);
  }
  let state: 'open' | 'published' | 'discarded' = 'open';
  const finish = async (next: 'published' | 'discarded', work: () => Promise<void>) => {
    if (state === 'discarded' && next === 'published')
      throw new ReportError('ERR_REPORT_STATE', `the report for ${target} was discarded (the run was aborted) before it could be published`, { path: target });
    if (state !== 'open') return;
    state = next;
    try {
      await work();
    } finally {
      await release();
    }
  };
  return {
    target,
    staging,
    publish: () =>
      finish('published', async () => {
        try {
          await rename(staging, target);
        } catch (error) {
          await rm(staging, { recursive: true, force: true });
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOTEMPTY' || code === 'EEXIST')
            throw new ReportError('ERR_REPORT_FOLDER', `${target} was created by something else while the run wrote its report: the report was not kept`, { path: target, cause: error });
          throw writeError(error, target, `cannot move the report into ${target}`);
        }
      }),
    discard: () => finish('discarded', () => rm(staging, { recursive: true, force: true })),
  };
}

/** Moves an earlier report out of the way (atomically) and deletes it; refuses a folder that is not only a report. */
async function removeEarlierReport(target: string, parent: string, ownFiles: readonly string[]): Promise<void> {
  const info = await lstat(target).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new ReportError('ERR_REPORT_FOLDER', `${target} exists and is not a folder: point --out at a folder`, { path: target });
  // A mount point cannot be renamed, nor can a folder be renamed onto one: the report needs a folder of its own inside it.
  if (info.dev !== (await stat(parent)).dev) {
    throw new ReportError(
      'ERR_REPORT_FOLDER',
      `${target} is a mount point: a run replaces its report folder as a whole, so point --out at a folder inside it (e.g. ${path.join(target, 'rls-report')})`,
      { path: target },
    );
  }
  const foreign = (await readdir(target)).filter((name) => !ownFiles.includes(name));
  if (foreign.length) {
    const listed = foreign.length > 5 ? `${foreign.slice(0, 5).join(', ')}, …` : foreign.join(', ');
    throw new ReportError(
      'ERR_REPORT_FOLDER',
      `${target} holds files rls-matrix did not write (${listed}): a run replaces its report folder as a whole, so point --out at a folder of its own (e.g. ${path.join(target, 'rls-report')})`,
      { path: target },
    );
  }
  const aside = path.join(parent, privateName(path.basename(target)));
  await rename(target, aside);
  await rm(aside, { recursive: true, force: true });
}

function writeError(error: unknown, folder: string, what: string): unknown {
  const full = withDiskFull(error, folder);
  if (full !== error) return full;
  return new ReportError('ERR_REPORT_WRITE', `${what}: ${(error as Error)?.message ?? String(error)}`, { path: folder, cause: error });
}
