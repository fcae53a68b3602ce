import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, open, readdir, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

/** Internal to `reports/`: hashing and reading the files of a report, regular files only. */

/** What a path is (from its Stats or directory entry), in words for messages: `a FIFO`, `a symbolic link`… */
function kindOf(entry: Pick<Stats, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket'>): string {
  if (entry.isFile()) return 'a regular file';
  if (entry.isDirectory()) return 'a directory';
  if (entry.isSymbolicLink()) return 'a symbolic link';
  if (entry.isFIFO()) return 'a FIFO';
  if (entry.isSocket()) return 'a socket';
  return 'a device';
}

/** A file that is not a regular file: `kind` says what it is instead. */
export class NotRegularFileError extends Error {
  override name = 'NotRegularFileError';
  constructor(
    readonly file: string,
    readonly kind: string,
  ) {
    super(`${file} is ${kind}, not a regular file`);
  }
}

/**
 * Opens a regular file for reading, and nothing else, without ever blocking: O_NONBLOCK makes
 * opening a FIFO return at once (a plain open waits for a writer, forever), O_NOFOLLOW refuses a
 * symbolic link unless `followSymlinks`, and the type is checked on the opened descriptor, so a
 * file swapped after a check cannot slip through.
 *
 * @throws {NotRegularFileError} for a symbolic link (unless followed), FIFO, socket, device or directory; the fs error otherwise (ENOENT…).
 */
async function openRegular(file: string, followSymlinks: boolean): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK | (followSymlinks ? 0 : constants.O_NOFOLLOW));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ELOOP: a symbolic link and O_NOFOLLOW; ENXIO: a socket (nothing to open). Say what it is.
    if (code === 'ELOOP' || code === 'ENXIO') {
      const stats = await lstat(file).catch(() => undefined);
      if (stats) throw new NotRegularFileError(file, kindOf(stats));
    }
    throw error;
  }
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    throw new NotRegularFileError(file, kindOf(stats));
  }
  return handle;
}

/** Reads a regular file whole (see `openRegular`). */
export async function readRegularFile(file: string, options: { followSymlinks?: boolean } = {}): Promise<Buffer> {
  const handle = await openRegular(file, options.followSymlinks ?? false);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** sha256 (hex) and size of a regular file, read as a stream (see `openRegular`). */
export async function hashFile(file: string, options: { followSymlinks?: boolean } = {}): Promise<{ sha256: string; bytes: number }> {
  const handle = await openRegular(file, options.followSymlinks ?? false);
  const hash = createHash('sha256');
  let bytes = 0;
  // The stream closes the handle when it ends or fails.
  for await (const chunk of handle.createReadStream()) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** sha256 (hex) of bytes in memory. */
export function hashBytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Every entry under `dir` (symbolic links not followed), as paths relative to it with forward slashes, with what each is, sorted. */
export async function listEntries(dir: string): Promise<{ path: string; kind: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => ({ path: path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'), kind: kindOf(e) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every regular file under `dir`, as paths relative to it with forward slashes, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  return (await listEntries(dir)).filter((e) => e.kind === 'a regular file').map((e) => e.path);
}
