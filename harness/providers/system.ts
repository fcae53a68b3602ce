import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../errors.js';
import { createClusterDir, diskError } from './cluster-dir.js';
import { withPortRetry } from './free-port.js';
import { serverOsUser, type OsUser } from './os-user.js';
import { findPgBinaries } from './pg-bin.js';
import { isPortClash, PostmasterStartError, startPostmaster } from './postmaster.js';
import { reapOrphans } from './reap.js';
import { DISPOSABLE_SERVER_SETTINGS } from './settings.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

/**
 * PostgreSQL from the machine's own server programs (`initdb`, `postgres` from PATH or
 * `--pg-bin`), so a run can use the major version production runs. Same lifecycle as `embedded`:
 * a fresh cluster in `$TMPDIR/rls-matrix-*` on a free port, durability off, messages in C, TCP on
 * loopback only; as root the server runs as the `postgres` system user. Stopped and removed by
 * `stop()`; a cluster orphaned by a SIGKILL is reaped by the next run.
 *
 * @example
 * const database = await systemProvider.start({ pgBin: '/usr/lib/postgresql/15/bin' });
 */
export const systemProvider: Provider = {
  name: 'system',
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    const bins = await findPgBinaries(options.pgBin);
    await reapOrphans({ onLog: options.onLog });
    const user = await serverOsUser();
    const root = await createClusterDir('system');
    const password = randomBytes(18).toString('base64url');
    try {
      const dataDir = join(root, 'data');
      await initCluster(bins.initdb, root, dataDir, password, user, options.onLog);
      const postmaster = await withPortRetry(
        (port) => startPostmaster({ postgres: bins.postgres, dataDir, port, settings: [...DISPOSABLE_SERVER_SETTINGS, ...(options.serverSettings ?? [])], cwd: root, ...(user ? { user } : {}), ...(options.onLog ? { onLog: options.onLog } : {}) }).then((pm) => ({ pm, port })),
        { ...(options.port !== undefined ? { port: options.port } : {}), isClash: isPortClash },
      );
      let stopped = false;
      return {
        connection: { host: '127.0.0.1', port: postmaster.port, user: 'postgres', password, database: 'postgres' },
        async stop() {
          if (stopped) return;
          stopped = true;
          await postmaster.pm.stop().catch(() => undefined);
          await rm(root, { recursive: true, force: true });
        },
      };
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      throw startError(error, bins.dir, root);
    }
  },
};

/** initdb with the embedded provider's choices: superuser `postgres`, SCRAM, C locale, UTF-8. */
async function initCluster(initdb: string, root: string, dataDir: string, password: string, user: OsUser | undefined, onLog?: (line: string) => void): Promise<void> {
  await mkdir(dataDir, { mode: 0o700 });
  const pwfile = join(root, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user) {
    await chown(dataDir, user.uid, user.gid);
    await chown(pwfile, user.uid, user.gid);
  }
  const args = ['-D', dataDir, '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--locale=C', '--encoding=UTF8', '--no-sync'];
  try {
    const { stdout, stderr } = await promisify(execFile)(initdb, args, {
      cwd: root,
      env: { ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' },
      timeout: 120_000,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    for (const line of `${stdout}\n${stderr}`.split('\n')) if (line.trim()) onLog?.(line);
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    const lines = `${e.stderr ?? ''}\n${e.stdout ?? ''}`.split('\n').filter((l) => l.trim());
    throw new PostmasterStartError(`initdb failed: ${e.message.split('\n')[0]}`, lines);
  } finally {
    await rm(pwfile, { force: true });
  }
}

/** Maps a start failure to what the user should do: free disk space, or read the server's words. */
function startError(error: unknown, binDir: string, root: string): unknown {
  if (error instanceof HarnessError) return error;
  const lines = error instanceof PostmasterStartError ? error.lines : [];
  const full = diskError({ message: [(error as Error)?.message, ...lines].join('\n') }, root.slice(0, root.lastIndexOf('/')) || '/');
  if (full) return full;
  const detail = [(error as Error)?.message ?? String(error), ...lines.filter((l) => /FATAL|PANIC|ERROR|error|could not/i.test(l)).slice(-5)].join('\n  ');
  return new HarnessError('ERR_PROVIDER_START', `PostgreSQL from ${binDir} did not start:\n  ${detail}\nCheck free disk space in the temporary directory, or use --provider embedded.`, { cause: error });
}
