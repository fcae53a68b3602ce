import { constants } from 'node:fs';
import { chown, copyFile, lchown, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Files copied at once: enough to keep libuv's threads busy, few enough not to run out of descriptors. */
const PARALLEL_COPIES = 32;

/**
 * Copies a data directory the way `cp -a` would for PostgreSQL's purposes — every file, directory
 * and symlink, with its mode and (as root) its owner — without spawning a process: files are
 * cloned (reflink, `FICLONE`) where the filesystem shares blocks (btrfs, XFS), and copied in the
 * kernel (`copy_file_range`/`sendfile`, which libuv falls back to) elsewhere, several at a time.
 * Timestamps are not kept: PostgreSQL does not read them.
 *
 * Aborting `signal` stops starting new copies and rejects with its reason once those under way
 * have finished; the caller removes what was written.
 */
export async function copyDataDir(from: string, to: string, signal?: AbortSignal): Promise<void> {
  const root = process.getuid?.() === 0;
  const files: Array<{ from: string; to: string; uid: number; gid: number }> = [];
  // Directories first (in order, parents before children), then the files in parallel. A file gets
  // its directory's owner: in a data directory everything belongs to the server's user (PostgreSQL
  // refuses to start otherwise), and one stat per directory instead of per file halves the work.
  const walk = async (src: string, dst: string): Promise<void> => {
    signal?.throwIfAborted();
    const info = await lstat(src);
    await mkdir(dst, { mode: info.mode & 0o7777 });
    if (root) await chown(dst, info.uid, info.gid);
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      if (entry.isDirectory()) await walk(s, d);
      else if (entry.isSymbolicLink()) {
        await symlink(await readlink(s), d);
        if (root) await lchown(d, info.uid, info.gid);
      } else if (entry.isFile()) files.push({ from: s, to: d, uid: info.uid, gid: info.gid });
      // Sockets and fifos: a data directory has none (the server's socket lives elsewhere).
    }
  };
  await walk(from, to);
  let next = 0;
  let stop = false;
  const worker = async () => {
    while (next < files.length && !stop) {
      signal?.throwIfAborted();
      const file = files[next++]!;
      try {
        // The mode comes with the copy (libuv gives the new file its source's mode).
        await copyFile(file.from, file.to, constants.COPYFILE_FICLONE);
        if (root) await chown(file.to, file.uid, file.gid);
      } catch (error) {
        stop = true;
        throw error;
      }
    }
  };
  // Every worker is waited for, even after one failed: the caller removes the directory next, and a
  // copy still under way would write into it while it goes.
  const settled = await Promise.allSettled(Array.from({ length: Math.min(PARALLEL_COPIES, files.length) }, worker));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
