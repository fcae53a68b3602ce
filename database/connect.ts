import pg from 'pg';
import { HarnessError, type Queryable } from '../core/index.js';
import type { ConnectionInfo } from './providers/types.js';

/**
 * A connection the harness opened (a `pg.Client`), as the rest of the code and the package's
 * declarations see it: queries, the transaction state, and closing it; no `@types/pg` needed.
 */
export interface Connection extends Queryable {
  /** node-postgres' view of the session: 'I' idle, 'T' in a transaction, 'E' in a failed one; null before the first message. */
  getTransactionStatus(): string | null;
  end(): Promise<void>;
}

/** A connection for the harness's own work, its messages in the C locale where the role may set that. */
export async function connect(connection: ConnectionInfo, options: { pipeline?: boolean } = {}): Promise<Connection> {
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
