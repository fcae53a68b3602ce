import { randomBytes } from 'node:crypto';
import type { Node } from 'libpg-query';
import pg from 'pg';
import { RUN_DEFAULTS } from '../core/index.js';
import { runSqlFiles, setSqlFileHooks } from '../fixtures/index.js';
import { nameList, treeNodes } from '../matrix/index.js';
import { type Connection, connect } from './connect.js';
import type { ConnectionInfo, StartedDatabase } from './providers/types.js';
import { setupSettings, setupTimeouts, withSetupTimeouts } from './setup-timeout.js';
import { openTransactionWorkspace } from './transaction-workspace.js';

/** A connection cells run on, and how to give it back. */
export interface WorkerConnection {
  client: Connection;
  /** Messages are sent without waiting for earlier results (several cells in flight). */
  pipelined: boolean;
  /** Someone else's database: the check every cell's rollback carries (see transaction-workspace.ts). */
  cellCheck?: CellCheck;
  /**
   * Resolves when a cell may be sent. On a connection the planner or the explainer also use (someone
   * else's database), their work takes several round trips inside a savepoint of its own, and a cell
   * sent between two of them would run inside that savepoint and see what it wrote (an explainer's
   * trial insert): undefined when a cell may be sent now, else a promise to wait on before asking again.
   */
  turn?: () => Promise<void> | undefined;
  release(): Promise<void>;
}

/**
 * That the one transaction a `--provider url` run works in is still the one it began, checked after
 * every cell in the same message as the cell's rollback, so the check costs no round trip of its own.
 */
export interface CellCheck {
  /** A SELECT returning one row, sent after the cell's rollback. */
  sql: string;
  /** Throws ERR_TRANSACTION_ENDED (exit 3) unless `row` (the SELECT's) shows the transaction that began; `after` names the cell. */
  verify(row: unknown, after: string): void;
  /** The ERR_TRANSACTION_ENDED to stop with when the transaction is found gone otherwise (the cell's savepoint no longer exists). */
  ended(after: string, how: string): Error;
}

/** A connection that plans cells beside the running ones. */
export interface PlannerConnection {
  client: Connection;
  /** Runs `work` in a transaction (or savepoint) that keeps nothing, under the setup timeout instead of the cells' one. */
  discard<T>(work: () => Promise<T>): Promise<T>;
  release(): Promise<void>;
}

/**
 * Where one matrix's setup and cells happen. With `database` isolation (a server we started) each
 * matrix gets a fresh database, setup is committed and cells run on parallel connections. With
 * `transaction` isolation (someone else's database, e.g. staging) everything happens in one
 * transaction on one connection that is always rolled back: nothing is ever committed.
 *
 * Every setup statement is bounded by the setup timeout (a statement cancelled for it, or for a
 * lock wait, is an ERR_SETUP_TIMEOUT / ERR_LOCK_TIMEOUT with its location, exit 3).
 */
export interface Workspace {
  /** The setup connection. */
  client: Connection;
  /** The matrix's own database on a server we started (absent for someone else's database). */
  connection?: ConnectionInfo;
  /** True when everything runs in one transaction (nothing may run outside it). */
  transactional: boolean;
  /** Setup that later work must see: committed, or kept inside the one transaction. */
  keep<T>(work: () => Promise<T>): Promise<T>;
  /** Work whose effects are thrown away. */
  discard<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Applies migration files: on a server of our own as a migration tool does (outside a
   * transaction, so CREATE INDEX CONCURRENTLY and files with their own BEGIN/COMMIT work); inside
   * the one transaction otherwise.
   */
  migrate(files: readonly string[]): Promise<void>;
  /**
   * A connection for cells: statements cancelled after `timeoutMs`, lock waits after `lockTimeoutMs`
   * (default `timeoutMs`), so a cell stuck behind another in-flight cell surfaces as 55P03.
   */
  connectWorker(timeoutMs: number, lockTimeoutMs?: number): Promise<WorkerConnection>;
  /** Most connections cells may use at once. */
  maxWorkers: number;
  /** A connection to plan cells on while others run: its own on our server, the one shared connection otherwise. */
  connectPlanner(): Promise<PlannerConnection>;
  /** Most planner connections at once (1 when everything shares one connection). */
  maxPlanners: number;
  /**
   * Transaction isolation only: throws ERR_TRANSACTION_ENDED (exit 3) unless the run's transaction
   * is still the one it began. Called after every cell (`after` names it in the message).
   */
  verifyTransaction?(after: string): Promise<void>;
  close(): Promise<void>;
}

export interface WorkspaceOptions {
  /** Longest one setup statement may run. @default RUN_DEFAULTS.setupTimeoutMs */
  setupTimeoutMs?: number;
  /**
   * Work in the server's own database (`connection.database`) instead of creating one: only for a
   * server this run started, whose database is as initdb made it and nobody else's.
   */
  inServerDatabase?: boolean;
}

export async function openWorkspace(database: StartedDatabase, label: string, options: WorkspaceOptions = {}): Promise<Workspace> {
  const transactional = database.isolation === 'transaction';
  const timeouts = setupTimeouts(options.setupTimeoutMs ?? RUN_DEFAULTS.setupTimeoutMs, transactional);
  return transactional ? openTransactionWorkspace(database.connection, timeouts) : openDatabaseWorkspace(database.connection, label, timeouts, options.inServerDatabase === true);
}

async function openDatabaseWorkspace(server: ConnectionInfo, label: string, timeouts: ReturnType<typeof setupTimeouts>, inServerDatabase: boolean): Promise<Workspace> {
  // A fresh database per matrix; the random suffix lets runs share one server (tests, --pg-version).
  // A server started for this run already has one, as fresh: its own (one connection and one
  // CREATE DATABASE fewer on the way to the first cell).
  const connection = inServerDatabase ? server : { ...server, database: `rls_matrix_${label}_${randomBytes(4).toString('hex')}` };
  if (!inServerDatabase) {
    const admin = await connect(server);
    try {
      await admin.query(`create database ${pg.escapeIdentifier(connection.database)}`);
    } finally {
      await admin.end();
    }
  }
  const restoreSettings = `select ${setupSettings(timeouts, false)}`;
  const client = await connect(connection);
  await client.query(restoreSettings);
  // A migration's `SET statement_timeout = 0` (pg_dump writes one) must not lift the bound for what follows.
  setSqlFileHooks(client, {
    after: async ({ tree }) => {
      if (changesSettings(tree)) await client.query(restoreSettings);
    },
  });
  const bounded = <T>(work: () => Promise<T>) => withSetupTimeouts(timeouts, work);
  const wrap =
    (end: 'commit' | 'rollback') =>
    <T>(work: () => Promise<T>) =>
      bounded(async () => {
        await client.query('begin');
        try {
          const result = await work();
          await client.query(end);
          return result;
        } catch (error) {
          await client.query('rollback').catch(() => undefined);
          throw error;
        }
      });
  return {
    client,
    connection,
    transactional: false,
    keep: wrap('commit'),
    discard: wrap('rollback'),
    migrate: (files) => bounded(() => runSqlFiles(client, files)),
    maxWorkers: Infinity,
    connectWorker: (timeoutMs, lockTimeoutMs) => connectWorker(connection, timeoutMs, lockTimeoutMs),
    maxPlanners: Infinity,
    async connectPlanner() {
      const planner = await connect(connection);
      await planner.query(restoreSettings);
      return {
        client: planner,
        discard: (work) =>
          bounded(async () => {
            await planner.query('begin');
            try {
              return await work();
            } finally {
              await planner.query('rollback').catch(() => undefined);
            }
          }),
        release: () => planner.end().catch(() => undefined),
      };
    },
    close: () => client.end(),
  };
}

/** A pipelining connection for cells to a database of our own: its timeouts set and a transaction open, rolled back on release. */
export async function connectWorker(connection: ConnectionInfo, timeoutMs: number, lockTimeoutMs = timeoutMs): Promise<WorkerConnection> {
  const worker = await connect(connection, { pipeline: true });
  await worker.query(`set statement_timeout = ${Math.round(timeoutMs)}; set lock_timeout = ${Math.round(lockTimeoutMs)}; begin`);
  return {
    client: worker,
    pipelined: true,
    release: async () => {
      await worker.query('rollback').catch(() => undefined);
      await worker.end().catch(() => undefined);
    },
  };
}

/** Whether a statement may change session settings (SET, RESET, DISCARD, set_config). */
function changesSettings(tree: Node): boolean {
  for (const { type, fields } of treeNodes(tree)) {
    if (type === 'VariableSetStmt' || type === 'DiscardStmt') return true;
    if (type === 'FuncCall' && nameList(fields.funcname).at(-1) === 'set_config') return true;
  }
  return false;
}
