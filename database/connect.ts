import pg from 'pg';
import { HarnessError } from '../core/index.js';
import type { ConnectionInfo } from './providers/types.js';

/** A connection for the harness's own work, its messages in the C locale where the role may set that. */
export async function connect(connection: ConnectionInfo, options: { pipeline?: boolean } = {}): Promise<pg.Client> {
  const client = new pg.Client({ ...connection, application_name: 'rls-matrix', ...(options.pipeline ? { pipeline: true } : {}) } as pg.ClientConfig);
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (cause) {
    throw new HarnessError('ERR_CONNECTION', `cannot connect to PostgreSQL at ${connection.host}:${connection.port}: ${(cause as Error).message}`, { cause });
  }
  // Classification reads 42501 messages, which are only comparable in the C locale (settable by
  // superusers; servers we start default to C).
  await client.query(`set lc_messages = 'C'`).catch(() => undefined);
  return client;
}
