import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { HarnessError } from './errors.js';
import type { ConnectionInfo, StartedDatabase } from './providers/types.js';

/** A connection cells run on, and how to give it back. */
export interface WorkerConnection {
  client: pg.Client;
  /** Messages are sent without waiting for earlier results (several cells in flight). */
  pipelined: boolean;
  release(): Promise<void>;
}

/** A connection that plans cells beside the running ones. */
export interface PlannerConnection {
  client: pg.Client;
  /** Runs `work` in a transaction (or savepoint) that keeps nothing, without the cells' statement timeout. */
  discard<T>(work: () => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/**
 * Where one matrix's setup and cells happen. With `database` isolation (a server we started) each
 * matrix gets a fresh database, setup is committed and cells run on parallel connections. With
 * `transaction` isolation (someone else's database, e.g. staging) everything happens in one
 * transaction on one connection that is always rolled back: nothing is ever committed.
 */
export interface Workspace {
  /** The setup connection. */
  client: pg.Client;
  /** The matrix's own database on a server we started (absent for someone else's database). */
  connection?: ConnectionInfo;
  /** True when everything runs in one transaction (nothing may run outside it). */
  transactional: boolean;
  /** Setup that later work must see: committed, or kept inside the one transaction. */
  keep<T>(work: () => Promise<T>): Promise<T>;
  /** Work whose effects are thrown away. */
  discard<T>(work: () => Promise<T>): Promise<T>;
  connectWorker(timeoutMs: number): Promise<WorkerConnection>;
  /** Most connections cells may use at once. */
  maxWorkers: number;
  /** A connection to plan cells on while others run: its own on our server, the one shared connection otherwise. */
  connectPlanner(): Promise<PlannerConnection>;
  /** Most planner connections at once (1 when everything shares one connection). */
  maxPlanners: number;
  close(): Promise<void>;
}

export async function openWorkspace(database: StartedDatabase, label: string): Promise<Workspace> {
  return database.isolation === 'transaction' ? openTransactionWorkspace(database.connection) : openDatabaseWorkspace(database.connection, label);
}

async function openDatabaseWorkspace(server: ConnectionInfo, label: string): Promise<Workspace> {
  // A fresh database per matrix; the random suffix lets runs share one server (tests, --pg-version).
  const connection = { ...server, database: `rls_matrix_${label}_${randomBytes(4).toString('hex')}` };
  const admin = await connect(server);
  try {
    await admin.query(`create database ${pg.escapeIdentifier(connection.database)}`);
  } finally {
    await admin.end();
  }
  const client = await connect(connection);
  const wrap = (end: 'commit' | 'rollback') => async <T>(work: () => Promise<T>) => {
    await client.query('begin');
    try {
      const result = await work();
      await client.query(end);
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    }
  };
  return {
    client,
    connection,
    transactional: false,
    keep: wrap('commit'),
    discard: wrap('rollback'),
    maxWorkers: Infinity,
    async connectWorker(timeoutMs) {
      const worker = await connect(connection, { pipeline: true });
      await worker.query(`set statement_timeout = ${Math.round(timeoutMs)}; set lock_timeout = ${Math.round(timeoutMs)}; begin`);
      return {
        client: worker,
        pipelined: true,
        release: async () => {
          await worker.query('rollback').catch(() => undefined);
          await worker.end().catch(() => undefined);
        },
      };
    },
    maxPlanners: Infinity,
    async connectPlanner() {
      const planner = await connect(connection);
      return {
        client: planner,
        async discard(work) {
          await planner.query('begin');
          try {
            return await work();
          } finally {
            await planner.query('rollback').catch(() => undefined);
          }
        },
        release: () => planner.end().catch(() => undefined),
      };
    },
    close: () => client.end(),
  };
}

async function openTransactionWorkspace(connection: ConnectionInfo): Promise<Workspace> {
  const client = await connect(connection);
  await client.query('begin');
  let savepoints = 0;
  const nested = (keep: boolean, statementTimeout?: number) => async <T>(work: () => Promise<T>) => {
    const name = `setup_${++savepoints}`;
    await client.query(`savepoint ${name}`);
    // Undone with the savepoint: the cells' own statement_timeout is back afterwards.
    if (statementTimeout !== undefined) await client.query(`set local statement_timeout = ${statementTimeout}`);
    try {
      const result = await work();
      await client.query(keep ? `release savepoint ${name}` : `rollback to savepoint ${name}`);
      return result;
    } catch (error) {
      await client.query(`rollback to savepoint ${name}`).catch(() => undefined);
      throw error;
    }
  };
  return {
    client,
    transactional: true,
    keep: nested(true),
    discard: nested(false),
    // Fixtures are uncommitted, so only this connection can see them.
    maxWorkers: 1,
    async connectWorker(timeoutMs) {
      await client.query(`set local statement_timeout = ${Math.round(timeoutMs)}; set local lock_timeout = ${Math.round(timeoutMs)}`);
      return { client, pipelined: false, release: async () => undefined };
    },
    maxPlanners: 1,
    // Planning takes turns with the cells on the one connection (the pool asks for a cell only once
    // the previous one has finished), and is not held to a cell's timeout.
    connectPlanner: async () => ({ client, discard: nested(false, 0), release: async () => undefined }),
    async close() {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

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
