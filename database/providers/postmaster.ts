import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { OsUser } from './os-user.js';
import { settingsArgs } from './settings.js';
import { keepLastLines, stopChild } from './child-process.js';

/** A `postgres` server process we started and are the parent of. */
export interface Postmaster {
  pid: number;
  /** Immediate shutdown (SIGQUIT), SIGKILL after `graceMs`; resolves once the process and its children are gone. */
  stop(graceMs?: number): Promise<void>;
}

/** What `startPostmaster` runs, where, and as whom. */
export interface PostmasterOptions {
  postgres: string;
  dataDir: string;
  port: number;
  settings: readonly string[];
  /** As root: who the server runs as. */
  user?: OsUser;
  /** A directory the server user may enter, to start in. */
  cwd: string;
  onLog?: (line: string) => void;
  /** Called once the process is spawned, before it accepts connections. */
  onSpawned?: () => void;
  /** @default 30000 */
  timeoutMs?: number;
  /** Aborting before the server is ready stops it and rejects with the signal's reason, once it has exited. */
  signal?: AbortSignal | undefined;
}

/** Why a postmaster did not become ready, with its last log lines (for error mapping). */
export class PostmasterStartError extends Error {
  override name = 'PostmasterStartError';
  constructor(
    message: string,
    readonly lines: readonly string[],
  ) {
    super(message);
  }
}

/**
 * Spawns `postgres -D dataDir -p port -c …` as our child (not daemonised by pg_ctl, so it dies
 * with its log pipe, and a later run can tell it was orphaned) and resolves when it accepts
 * connections. Rejects with `PostmasterStartError` when it exits first or takes too long.
 */
export async function startPostmaster(options: PostmasterOptions): Promise<Postmaster> {
  const child = spawn(options.postgres, ['-D', options.dataDir, '-p', String(options.port), ...settingsArgs(options.settings)], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' },
    ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
  });
  options.onSpawned?.();
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  const lines = keepLastLines(child, (line) => {
    options.onLog?.(line);
    if (line.includes('database system is ready to accept connections')) ready();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnFailed = once(child, 'error').then(([error]) => {
    throw new PostmasterStartError(`cannot run ${options.postgres}: ${(error as Error).message}`, lines);
  });

  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(options.signal!.reason);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PostmasterStartError(`PostgreSQL did not accept connections within ${timeoutMs / 1000} s`, lines)), timeoutMs);
  });
  // Immediate shutdown: the cluster is thrown away with its directory, so the shutdown checkpoint a
  // fast shutdown (SIGINT) writes is work for nothing. The postmaster still waits for its children
  // before it exits, so nothing is left running once `exited` resolves.
  const stop = (graceMs = 10_000) => stopChild(child, exited, 'SIGQUIT', graceMs);
  try {
    await Promise.race([
      readyPromise,
      spawnFailed,
      timedOut,
      aborted,
      exited.then((code) => {
        throw new PostmasterStartError(`PostgreSQL exited during startup (code ${code})`, lines);
      }),
    ]);
  } catch (error) {
    await stop(2000);
    throw error;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort!);
  }
  return { pid: child.pid!, stop };
}

/** True when the server could not bind its port because something else had. */
export function isPortClash(error: unknown): boolean {
  const lines = error instanceof PostmasterStartError ? error.lines : [];
  return [...lines, (error as Error)?.message ?? ''].some((line) => line.includes('Address already in use'));
}
