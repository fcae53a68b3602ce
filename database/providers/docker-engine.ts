import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../../core/index.js';

/** Where a Docker engine was found, as testcontainers will find it. */
export type DockerEndpoint = { kind: 'socket'; path: string } | { kind: 'tcp'; url: string; tls: boolean };

const NO_DOCKER_HINT = 'run without Docker with --provider embedded (or --provider system to use an installed PostgreSQL)';

/**
 * Finds the Docker engine testcontainers would use (DOCKER_HOST, ~/.testcontainers.properties,
 * then the usual sockets) and pings it, in milliseconds and without loading testcontainers
 * (whose import alone takes a second): no engine is an ERR_DOCKER_UNAVAILABLE naming
 * --provider embedded, not a long wait.
 *
 * @example
 * await assertDockerEngine(); // throws at once on a machine without Docker
 */
export async function assertDockerEngine(env: NodeJS.ProcessEnv = process.env, pingTimeoutMs = 2000): Promise<DockerEndpoint> {
  const endpoint = findDockerEndpoint(env);
  if (!endpoint) {
    throw new HarnessError(
      'ERR_DOCKER_UNAVAILABLE',
      `--provider docker: no Docker engine on this machine (DOCKER_HOST is not set and there is no Docker socket at ${socketCandidates(env).join(', ')}): start Docker or set DOCKER_HOST, or ${NO_DOCKER_HINT}`,
    );
  }
  if (endpoint.kind === 'tcp' && endpoint.tls) return endpoint; // testcontainers brings the client certificates
  try {
    await ping(endpoint, pingTimeoutMs);
  } catch (cause) {
    const where = endpoint.kind === 'socket' ? endpoint.path : endpoint.url;
    throw new HarnessError('ERR_DOCKER_UNAVAILABLE', `--provider docker: no Docker engine answers at ${where} (${(cause as Error).message}): start the Docker daemon, or ${NO_DOCKER_HINT}`, { cause });
  }
  return endpoint;
}

/** The engine testcontainers would pick, or undefined when there is none to try. */
export function findDockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint | undefined {
  const configured = env.DOCKER_HOST || env.TESTCONTAINERS_HOST_OVERRIDE_DOCKER_HOST || propertiesHost();
  if (configured) {
    const url = new URL(configured);
    if (url.protocol === 'unix:') return { kind: 'socket', path: url.pathname };
    if (url.protocol === 'npipe:') return { kind: 'socket', path: configured };
    return { kind: 'tcp', url: configured, tls: env.DOCKER_TLS_VERIFY === '1' || url.protocol === 'https:' };
  }
  const path = socketCandidates(env).find((candidate) => existsSync(candidate));
  return path ? { kind: 'socket', path } : undefined;
}

/** testcontainers' own search order (UnixSocketStrategy, RootlessUnixSocketStrategy). */
function socketCandidates(env: NodeJS.ProcessEnv): string[] {
  if (process.platform === 'win32') return ['//./pipe/docker_engine'];
  return [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    join('/run', 'user', String(userInfo().uid), 'docker.sock'),
  ];
}

function propertiesHost(): string | undefined {
  try {
    const text = readFileSync(join(homedir(), '.testcontainers.properties'), 'utf8');
    return /^\s*(?:docker\.host|tc\.host)\s*[=:]\s*(\S+)/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/** `GET /_ping`: the engine answers "OK" when it runs. */
function ping(endpoint: DockerEndpoint, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const target = endpoint.kind === 'socket' ? { socketPath: endpoint.path } : (({ hostname, port }) => ({ host: hostname, port: Number(port || 2375) }))(new URL(endpoint.url));
    const req = request({ ...target, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode === 200) resolve();
      else reject(new Error(`HTTP ${res.statusCode} from /_ping`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) => reject(new Error(error.code ?? error.message)));
    req.end();
  });
}
