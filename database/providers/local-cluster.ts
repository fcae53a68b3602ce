import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';
import { createClusterDir, diskError } from './cluster-dir.js';
import { withPortRetry } from './free-port.js';
import { initCluster } from './initdb.js';
import { serverOsUser, type OsUser } from './os-user.js';
import { isPortClash, type Postmaster, PostmasterStartError, startPostmaster } from './postmaster.js';
import { reapOrphans } from './reap.js';
import { DISPOSABLE_SERVER_SETTINGS } from './settings.js';
import { copyDataDir } from './copy-tree.js';
import { findTemplate, saveTemplate } from './template-cache.js';
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
  const cluster: Cluster = { spec, options, user, root: await createClusterDir(spec.provider), lines: [] };
  const parent = dirname(cluster.root);
  let postmaster: Postmaster | undefined;
  let caching: Promise<void> | undefined;
  const cleanUp = async () => {
    await postmaster?.stop();
    await Promise.all([caching, reaping]);
    await rm(cluster.root, { recursive: true, force: true });
  };
  try {
    const data = await prepareDataDir(cluster);
    caching = data.caching;
    const started = await startServer(cluster, data.dataDir);
    postmaster = started.pm;
    await reaping;
    let stopping: Promise<void> | undefined;
    return {
      connection: { host: '127.0.0.1', port: started.port, user: 'postgres', password: data.password, database: 'postgres' },
      location: parent,
      freshServer: true,
      serverLog: () => [...cluster.lines],
      stop: () => (stopping ??= cleanUp()),
    };
  } catch (error) {
    await cleanUp();
    throw startFailure(cluster, error);
  }
}

/** One cluster being started: what to run, where, as whom, and the last lines initdb and the server wrote. */
interface Cluster {
  spec: LocalClusterSpec;
  options: ProviderOptions;
  user: OsUser | undefined;
  /** The cluster's own `rls-matrix-XXXXXX` directory. */
  root: string;
  /** The last lines initdb and the server wrote: for error messages, and to tell a crash from a full disk. */
  lines: string[];
}

function log(cluster: Cluster, line: string): void {
  cluster.lines.push(line);
  if (cluster.lines.length > 100) cluster.lines.shift();
  cluster.options.onLog?.(line);
}

/**
 * A data directory to start: a copy of the template an earlier run initdb'd (initdb is most of a
 * cold start), or a fresh initdb. Without a template, a copy of the fresh directory is made beside
 * it before the server starts and changes it (in the cluster's folder: ~0.05 s in memory), and is
 * kept as the cache's template while the run goes on (writing 31 MB to a busy disk can take a
 * second; a second initdb, as before, took a core for as long).
 */
async function prepareDataDir(cluster: Cluster): Promise<{ dataDir: string; password: string; caching?: Promise<void> }> {
  const { spec, options, root, user } = cluster;
  const { signal } = options;
  const template = spec.templateKey ? await findTemplate(spec.templateKey) : undefined;
  const password = template?.password ?? randomBytes(18).toString('base64url');
  const dataDir = join(root, 'data');
  if (template) {
    await copyDataDir(template.dataDir, dataDir, signal);
    return { dataDir, password };
  }
  options.onLaunched?.();
  await initCluster({ initdb: spec.initdb, root, dataDir, password, user, flags: spec.initdbFlags ?? [], onLog: (line) => log(cluster, line), signal });
  if (!spec.templateKey) return { dataDir, password };
  const spare = join(root, 'template');
  try {
    await copyDataDir(dataDir, spare, signal);
  } catch {
    // No template this time (the next run initdb's again); the run itself goes on.
    await rm(spare, { recursive: true, force: true });
    return { dataDir, password };
  }
  return { dataDir, password, caching: saveTemplate(spec.templateKey, spare, password, signal).finally(() => rm(spare, { recursive: true, force: true })) };
}

/** `postgres` as our child on a free port (another one when a parallel run wins the race for it), durability off. */
function startServer(cluster: Cluster, dataDir: string): Promise<{ pm: Postmaster; port: number }> {
  const { spec, options, root, user } = cluster;
  return withPortRetry(
    (port) =>
      startPostmaster({
        postgres: spec.postgres,
        dataDir,
        port,
        settings: [...DISPOSABLE_SERVER_SETTINGS, ...(options.serverSettings ?? [])],
        cwd: root,
        ...(user ? { user } : {}),
        onLog: (line) => log(cluster, line),
        ...(options.onLaunched ? { onSpawned: options.onLaunched } : {}),
        signal: options.signal,
      }).then((pm) => ({ pm, port })),
    { ...(options.port !== undefined ? { port: options.port } : {}), isClash: isPortClash },
  );
}

/** Why a start failed, as the user can act on it: interrupted, a full disk, or the provider's own error with the server's words. */
function startFailure(cluster: Cluster, error: unknown): unknown {
  if (cluster.options.signal?.aborted) return interrupted();
  if (error instanceof HarnessError) return error;
  const parent = dirname(cluster.root);
  const output = error instanceof PostmasterStartError ? error.lines : cluster.lines;
  const full = diskError({ message: [(error as Error)?.message, ...output].join('\n') }, parent);
  if (full) return full;
  const detail = [(error as Error)?.message ?? String(error), ...output.filter((l) => /FATAL|PANIC|ERROR|error|could not/i.test(l)).slice(-5)].join('\n  ');
  return cluster.spec.startError(detail, parent, error);
}

function interrupted(): HarnessError {
  return new HarnessError('ERR_INTERRUPTED', 'interrupted while PostgreSQL was starting; everything the start had written is removed');
}
