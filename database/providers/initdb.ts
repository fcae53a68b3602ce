import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OsUser } from './os-user.js';
import { PostmasterStartError } from './postmaster.js';
import { runProgram } from './program.js';

/** What `initCluster` creates, where, and as whom. */
export interface InitdbOptions {
  initdb: string;
  /** The cluster directory (holds the password file while initdb runs). */
  root: string;
  dataDir: string;
  /** The superuser `postgres`'s password. */
  password: string;
  /** As root: who owns the cluster and runs initdb. */
  user?: OsUser | undefined;
  /** Further initdb flags (the embedded provider's 1 MB WAL segments). */
  flags?: readonly string[];
  onLog?: ((line: string) => void) | undefined;
  /** Aborting stops initdb (SIGTERM: it removes what it wrote) and rejects once it has exited. */
  signal?: AbortSignal | undefined;
}

/**
 * initdb with the choices every local provider makes: superuser `postgres`, SCRAM, C locale,
 * UTF-8, no fsync. Rejects with `PostmasterStartError` (carrying initdb's output) when it fails.
 */
export async function initCluster(options: InitdbOptions): Promise<void> {
  const { root, dataDir, user } = options;
  await mkdir(dataDir, { mode: 0o700 });
  const pwfile = join(root, 'pwfile');
  await writeFile(pwfile, `${options.password}\n`, { mode: 0o600 });
  if (user) {
    await chown(dataDir, user.uid, user.gid);
    await chown(pwfile, user.uid, user.gid);
  }
  const args = ['-D', dataDir, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--locale=C', '--encoding=UTF8', '--no-sync', ...(options.flags ?? [])];
  try {
    const { stdout, stderr } = await runProgram(options.initdb, args, {
      cwd: root,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      timeoutMs: 120_000,
      signal: options.signal,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    for (const line of `${stdout}\n${stderr}`.split('\n')) if (line.trim()) options.onLog?.(line);
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const e = error as { stderr?: string; stdout?: string; message: string };
    const lines = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').filter((l) => l.trim());
    throw new PostmasterStartError(`initdb failed: ${e.message.split('\n')[0]}`, lines);
  } finally {
    await rm(pwfile, { force: true });
  }
}
