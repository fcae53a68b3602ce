import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';
import { createClusterDir, diskError } from './cluster-dir.js';
import { withPortRetry } from './free-port.js';
import { initCluster } from './initdb.js';
import { serverOsUser } from './os-user.js';
import { isPortClash, type Postmaster, PostmasterStartError, startPostmaster } from './postmaster.js';
import { reapOrphans } from './reap.js';
import { DISPOSABLE_SERVER_SETTINGS } from './settings.js';
import { copyDataDir, findTemplate, saveTemplate } from './template-cache.js';
import type { ProviderOptions, StartedDatabase } from './types.js';

/** What differs between the providers that run PostgreSQL on this machine (embedded, system). */
export interface LocalClusterSpec {
  provider: 'embedded' | 'system';
  initdb: string;
  postgres: string;
  /** Further initdb flags. */
  initdbFlags?: readonly string[];
  /** Start from an initdb'd template kept under this key, and keep one when there is none (see template-cache.ts). */
  templateKey?: string;
  /** The error for a start that failed for a reason of its own: the server's words and what to do. */
  startError(detail: string, parent: string, cause: unknown): HarnessError;
}

/**
 * Starts a throwaway cluster on this machine: a fresh `rls-matrix-XXXXXX` directory (marked with
 * this process, for the reaper), initdb or a copy of the template, then `postgres` as our child on
 * a free port, durability off, messages in C, TCP on loopback only; as root the server runs as the
 * `postgres` system user. `stop()` stops it and removes the directory.
 *
 * `options.signal` may end the start at any moment: initdb, the template copy and a postmaster
 * coming up are stopped (waited for), the directory is removed, and the start rejects with
 * ERR_INTERRUPTED. Nothing is left behind.
 */
export async function startLocalCluster(spec: LocalClusterSpec, options: ProviderOptions = {}): Promise<StartedDatabase> {
  const { signal } = options;
  if (signal?.aborted) throw interrupted();
  const reaping = reapOrphans({ onLog: options.onLog }).catch(() => undefined);
  const user = await serverOsUser();
  const root = await createClusterDir(spec.provider);
  const parent = dirname(root);
  // The last lines initdb and the server wrote: for error messages, and to tell a crash from a full disk.
  const lines: string[] = [];
  const log = (line: string) => {
    lines.push(line);
    if (lines.length > 100) lines.shift();
    options.onLog?.(line);
  };
  let postmaster: Postmaster | undefined;
  let caching: Promise<void> | undefined;
  const cleanUp = async () => {
    await postmaster?.stop();
    await Promise.all([caching, reaping]);
    await rm(root, { recursive: true, force: true });
  };
  try {
    const template = spec.templateKey ? await findTemplate(spec.templateKey) : undefined;
    const password = template?.password ?? randomBytes(18).toString('base64url');
    const dataDir = join(root, 'data');
    const init = (dir: string, onLog?: (line: string) => void) => initCluster({ initdb: spec.initdb, root, dataDir: dir, password, user, flags: spec.initdbFlags ?? [], onLog, signal });
    // initdb is most of a cold start; a data directory initdb'd by an earlier run is copied instead.
    if (template) await copyDataDir(template.dataDir, dataDir, signal);
    else await init(dataDir, log);
    // Without a template, the cache gets its own, initdb'd beside the server starting (the second
    // core is mostly idle meanwhile): copying ours before the server may start would delay it.
    if (!template && spec.templateKey) caching = keepTemplate(spec.templateKey, join(root, 'template'), password, init, signal);
    const started = await withPortRetry(
      (port) =>
        startPostmaster({ postgres: spec.postgres, dataDir, port, settings: [...DISPOSABLE_SERVER_SETTINGS, ...(options.serverSettings ?? [])], cwd: root, ...(user ? { user } : {}), onLog: log, signal }).then((pm) => ({ pm, port })),
      { ...(options.port !== undefined ? { port: options.port } : {}), isClash: isPortClash },
    );
    postmaster = started.pm;
    await reaping;
    let stopping: Promise<void> | undefined;
    return {
      connection: { host: '127.0.0.1', port: started.port, user: 'postgres', password, database: 'postgres' },
      location: parent,
      serverLog: () => [...lines],
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    if (signal?.aborted) throw interrupted();
    if (error instanceof HarnessError) throw error;
    const output = error instanceof PostmasterStartError ? error.lines : lines;
    const full = diskError({ message: [(error as Error)?.message, ...output].join('\n') }, parent);
    if (full) throw full;
    const detail = [(error as Error)?.message ?? String(error), ...output.filter((l) => /FATAL|PANIC|ERROR|error|could not/i.test(l)).slice(-5)].join('\n  ');
    throw spec.startError(detail, parent, error);
  }
}

/** initdb's a spare data directory and keeps it as the template; best effort, never fails the run. */
async function keepTemplate(key: string, spare: string, password: string, init: (dir: string) => Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  try {
    await init(spare);
    await saveTemplate(key, spare, password, signal);
  } catch {
    // The next run initdb's again.
  } finally {
    await rm(spare, { recursive: true, force: true });
  }
}

function interrupted(): HarnessError {
  return new HarnessError('ERR_INTERRUPTED', 'interrupted while PostgreSQL was starting; everything the start had written is removed');
}
