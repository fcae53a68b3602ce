import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connect } from './connect.js';
import type { ConnectionInfo } from './providers/types.js';
import { connectWorker, type WorkerConnection } from './workspace.js';

/** A database copied from a prepared one (migrations and fixtures in place), to change and test on its own. */
export interface DatabaseClone {
  connection: ConnectionInfo;
  /** Runs `sql` on the clone as the connecting role, committed (a mutation of the schema). */
  apply(sql: string): Promise<void>;
  /** A connection for cells, as a workspace gives them. */
  connectWorker(timeoutMs: number, lockTimeoutMs?: number): Promise<WorkerConnection>;
  /** Drops the clone (connections still open to it are ended). */
  drop(): Promise<void>;
}

/**
 * Copies `template` (a database on a server we started; nobody may be connected to it) with
 * `CREATE DATABASE … TEMPLATE`: PostgreSQL copies it file by file, much faster than applying the
 * migrations and fixtures again. Never used on someone else's server.
 */
export async function cloneDatabase(server: ConnectionInfo, template: string, label: string): Promise<DatabaseClone> {
  const connection = { ...server, database: `${template.slice(0, 30)}_${label}_${randomBytes(3).toString('hex')}` };
  await onServer(server, `create database ${pg.escapeIdentifier(connection.database)} template ${pg.escapeIdentifier(template)} strategy = file_copy`);
  return {
    connection,
    async apply(sql) {
      const client = await connect(connection);
      try {
        await client.query(sql);
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    connectWorker: (timeoutMs, lockTimeoutMs) => connectWorker(connection, timeoutMs, lockTimeoutMs),
    drop: () => onServer(server, `drop database if exists ${pg.escapeIdentifier(connection.database)} with (force)`),
  };
}

async function onServer(server: ConnectionInfo, sql: string): Promise<void> {
  const admin = await connect(server);
  try {
    await admin.query(sql);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
