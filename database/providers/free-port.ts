import { createServer } from 'node:net';
import { HarnessError } from '../../core/index.js';

/** A TCP port on 127.0.0.1 nothing listens on right now (the caller retries if it loses a race). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** How `withPortRetry` picks ports and recognises a clash. */
export interface PortRetryOptions {
  /** A number: exactly this port, a clash is an error. A function: picks each candidate. @default freePort */
  port?: number | (() => Promise<number>);
  /** @default 5 */
  attempts?: number;
  /** True when `start` failed because something else had bound the port. */
  isClash: (error: unknown) => boolean;
  /** The server being started, in the message when every port was taken. @default 'PostgreSQL' */
  server?: string;
}

/**
 * Starts a server on a free port, race-free between parallel runs: probing a port and binding it
 * later cannot be atomic, but the server's own bind is, so a clash ("Address already in use")
 * means another process won the port and we try a fresh one.
 *
 * @example
 * const pm = await withPortRetry((port) => startPostmaster({ ...options, port }), { isClash: isPortClash });
 */
export async function withPortRetry<T>(start: (port: number) => Promise<T>, options: PortRetryOptions): Promise<T> {
  if (typeof options.port === 'number') {
    try {
      return await start(options.port);
    } catch (error) {
      if (options.isClash(error)) throw portInUse(`port ${options.port} on 127.0.0.1 is in use by another process: choose another port, or leave it out to use a free one`, error);
      throw error;
    }
  }
  const attempts = options.attempts ?? 5;
  const pick = options.port ?? freePort;
  const tried: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const port = await pick();
    tried.push(port);
    try {
      return await start(port);
    } catch (error) {
      if (!options.isClash(error)) throw error;
      if (attempt >= attempts)
        throw portInUse(
          `every free port we picked (${tried.join(', ')}) was taken by another process before ${options.server ?? 'PostgreSQL'} could bind it: is something grabbing ports on 127.0.0.1?`,
          error,
        );
    }
  }
}

function portInUse(message: string, cause: unknown): HarnessError {
  return new HarnessError('ERR_PORT_IN_USE', message, { cause });
}
