import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Connection, connect } from './connect.js';
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
 * migrations and fixtures again, then gives the copy the template's database-level settings
 * (`ALTER DATABASE … SET`, which the copy does not inherit: the Supabase shim's search_path with
 * `extensions` on it, a migration's custom settings). Never used on someone else's server.
 */
export async function cloneDatabase(server: ConnectionInfo, template: string, label: string): Promise<DatabaseClone> {
  const connection = { ...server, database: `${template.slice(0, 30)}_${label}_${randomBytes(3).toString('hex')}` };
  const admin = await connect(server);
  try {
    await admin.query(`create database ${pg.escapeIdentifier(connection.database)} template ${pg.escapeIdentifier(template)} strategy = file_copy`);
    await copySettings(admin, template, connection.database);
  } finally {
    await admin.end().catch(() => undefined);
  }
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

/**
 * Each `name=value` the template has (for every role, or for one role in it) set again on the copy:
 * through the session (set_config parses the value as a configuration file would, lists and
 * quoting included) and `SET … FROM CURRENT`, so no value is re-quoted by hand.
 */
async function copySettings(admin: Connection, template: string, copy: string): Promise<void> {
  const { rows } = await admin.query<{ role: string | null; setting: string }>(
    `select case when s.setrole = 0 then null else pg_catalog.pg_get_userbyid(s.setrole)::text end as role, unnest(s.setconfig) as setting
       from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase
      where d.datname = $1`,
    [template],
  );
  if (!rows.length) return;
  // The values are set for this transaction only (set_config's `true`): the admin session keeps its own.
  await admin.query('begin');
  try {
    for (const { role, setting } of rows) {
      const name = setting.slice(0, setting.indexOf('='));
      await admin.query('select pg_catalog.set_config($1, $2, true)', [name, setting.slice(name.length + 1)]);
      const target = role === null ? '' : `role ${pg.escapeIdentifier(role)} in `;
      await admin.query(`alter ${target}database ${pg.escapeIdentifier(copy)} set ${pg.escapeIdentifier(name)} from current`);
    }
    await admin.query('commit');
  } catch (error) {
    await admin.query('rollback').catch(() => undefined);
    throw error;
  }
}

async function onServer(server: ConnectionInfo, sql: string): Promise<void> {
  const admin = await connect(server);
  try {
    await admin.query(sql);
  } finally {
    await admin.end().catch(() => undefined);
  }
}
