import { randomBytes } from 'node:crypto';
import { runSqlFiles, setSqlFileHooks } from '../fixtures/index.js';
import { type Connection, connect } from './connect.js';
import { HarnessError } from '../core/index.js';
import { refuseEscapingStatement, shownPath } from './url-guards.js';
import type { ConnectionInfo } from './providers/types.js';
import { setupSettings, type SetupTimeouts, withSetupTimeouts } from './setup-timeout.js';
import type { CellCheck, Workspace } from './workspace.js';

/**
 * Someone else's database (`--provider url`): one connection, one transaction that is rolled back
 * when the workspace closes, savepoints for each setup stage. Defence in depth around PostgreSQL's
 * parser (which refuses transaction control before anything runs, see url-guards.ts): after every
 * statement of a SQL file, every setup stage, every planning chunk and every cell, the transaction
 * must still be the one that began, by the server's own account (the protocol's transaction status
 * and the transaction id). If it is not, the run stops with ERR_TRANSACTION_ENDED (exit 3) before
 * anything else is sent.
 */
export async function openTransactionWorkspace(connection: ConnectionInfo, timeouts: SetupTimeouts): Promise<Workspace> {
  // Pipelined: cells are sent without waiting for the ones before (setup awaits each statement as before).
  const client = await connect(connection, { pipeline: true });
  await client.query('begin');
  // Marked without assigning a transaction id: a run whose setup writes nothing leaves the
  // transaction read-only, which the API path relies on (see postgrest/index.ts).
  const bounds = setupSettings(timeouts, true);
  const token = randomBytes(16).toString('hex');
  const { rows } = await client.query<{ started: string }>(`select set_config('${MARK}', '${token}', true), transaction_timestamp()::text as started, ${LEXING}, ${bounds}`);
  const { verify, cell: cellCheck } = transactionCheck(client, { token, started: rows[0]!.started });
  setSqlFileHooks(client, {
    refuse: refuseEscapingStatement,
    // Also puts the setup bounds back, should the statement have changed them.
    after: (statement, file) => verify(`${shownPath(file)}:${statement.line}:${statement.column} ('${statement.sql.split('\n')[0]!.slice(0, 80)}')`, bounds),
  });

  let savepoints = 0;
  const nested =
    (keep: boolean, stage: string) =>
    <T>(work: () => Promise<T>) =>
      withSetupTimeouts(timeouts, async () => {
        const name = `setup_${++savepoints}`;
        // The setup bounds hold inside the savepoint; rolling back a planning chunk's savepoint brings the cells' own back.
        await client.query(`savepoint ${name}; select ${bounds}`);
        try {
          const result = await work();
          // Released after a rollback too: a rolled-back savepoint stays open, and the next would nest in it.
          await client.query(keep ? `release savepoint ${name}` : `rollback to savepoint ${name}; release savepoint ${name}`);
          await verify(stage);
          return result;
        } catch (error) {
          await client.query(`rollback to savepoint ${name}; release savepoint ${name}`).catch(() => undefined);
          throw error;
        }
      });
  const keep = nested(true, 'a setup stage');
  const sharing = connectionTurns();
  const planning = nested(false, 'planning cells');
  return {
    client,
    transactional: true,
    keep,
    discard: nested(false, 'a setup stage'),
    migrate: (files) => keep(() => runSqlFiles(client, files)),
    // Fixtures are uncommitted, so only this connection can see them.
    maxWorkers: 1,
    async connectWorker(timeoutMs) {
      const ms = Math.round(timeoutMs);
      await client.query(`set local statement_timeout = ${ms}; set local lock_timeout = ${ms}`);
      // Every cell's rollback carries the transaction check (see executeCell), so no cell waits for another's.
      return { client, pipelined: true, cellCheck, turn: sharing.turn, release: async () => undefined };
    },
    maxPlanners: 1,
    // Planning takes turns with the cells on the one connection, under the setup timeout, not a
    // cell's: the next chunk is planned once the current one's last cell has been taken (see
    // planInChunks), and no cell is taken until it is planned. A turn starts after the microtasks
    // queued so far have run, so that last cell, taken just before, is sent before the planning
    // savepoint and not inside it. The cells still in flight are whole (savepoint to release).
    connectPlanner: async () => ({
      client,
      discard: (work) =>
        sharing.exclusively(async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return planning(work);
        }),
      release: async () => undefined,
    }),
    verifyTransaction: (after) => verify(after),
    async close() {
      await client.query('rollback').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * The settings under which the server reads text the way PostgreSQL's parser read the matrix's SQL
 * and the SQL files: the harness's own multi-statement strings (cells, planning batches) carry
 * that SQL, and a migration or a fixture row could otherwise switch them for what follows
 * (`standard_conforming_strings = off` ends `'\''` early; in SJIS the last byte of a UTF-8
 * character and a backslash after it are one character, so `E'…\''` ends early). Put back with
 * every check.
 */
const LEXING = `set_config('standard_conforming_strings', 'on', true), set_config('client_encoding', 'UTF8', true)`;

/** The transaction-local setting that marks the run's transaction (reset when a transaction ends). */
const MARK = 'rls_matrix.transaction';

/**
 * A check that the connection is still inside the transaction that began: the ReadyForQuery status
 * of the last message must be 'T' (in a transaction), the transaction-local mark set at its start
 * must still hold its random token and the transaction's start time must be the same (a COMMIT AND
 * CHAIN, or a COMMIT followed by BEGIN, leaves status 'T' but a new transaction, whose local
 * settings are reset), and once the transaction has an id it must keep it. None of this assigns a
 * transaction id. `settings` (set_config calls) ride along in the same round trip.
 *
 * `cell` is the same check for the cells, riding in each cell's rollback message. It reads no
 * ReadyForQuery status: with cells pipelined, the last status received may be a later cell's, in
 * the middle of its failed statement. It needs none: a cell's first statement is a SAVEPOINT,
 * which PostgreSQL refuses outside a transaction block, and its rollback names that savepoint, so
 * a cell sent after the transaction ended runs nothing and its rollback fails (see execute.ts).
 */
function transactionCheck(client: Connection, began: { token: string; started: string }) {
  let xid: string | null = null;
  const sql = `select current_setting('${MARK}', true) as token, transaction_timestamp()::text as started, txid_current_if_assigned()::text as xid, ${LEXING}`;
  const verifyRow = (row: unknown, after: string) => {
    const now = row as { token: string | null; started: string; xid: string | null };
    if (now.token !== began.token) throw transactionEnded(after, 'the mark set at its start is gone');
    if (now.started !== began.started) throw transactionEnded(after, `it started at ${now.started}, not ${began.started}`);
    if (xid !== null && now.xid !== xid) throw transactionEnded(after, `its transaction id is ${now.xid ?? 'unassigned'}, not ${xid}`);
    xid = now.xid;
  };
  const verify = async (after: string, settings?: string): Promise<void> => {
    const status = client.getTransactionStatus();
    if (status !== 'T') throw transactionEnded(after, status === 'I' ? 'PostgreSQL reports that no transaction is open' : `PostgreSQL reports transaction status '${status}'`);
    const { rows } = await client.query(settings ? `${sql}, ${settings}` : sql);
    verifyRow(rows[0], after);
  };
  const cell: CellCheck = { sql, verify: verifyRow, ended: transactionEnded };
  return { verify, cell };
}

function transactionEnded(after: string, how: string): HarnessError {
  return new HarnessError(
    'ERR_TRANSACTION_ENDED',
    `the one transaction this --provider url run works in is no longer the one it began, after ${after}: ${how}. ` +
      `The run stopped there, before anything else ran; what ran before it may have been committed on that database, so check it. ` +
      `rls-matrix refuses transaction control before running anything, so this should not happen: please report it with that statement.`,
  );
}

/**
 * Turns on the one connection between pipelined cells and work of several round trips (a planning
 * chunk, a cell's explanation): while such work runs no new cell is sent; cells sent before it are
 * whole messages (savepoint to release) that PostgreSQL finishes first, in order.
 */
function connectionTurns() {
  let held: Promise<void> | undefined;
  return {
    /** Undefined when a cell may be sent now, else a promise to wait on before asking again. */
    turn: (): Promise<void> | undefined => held,
    async exclusively<T>(work: () => Promise<T>): Promise<T> {
      // Checked again after every wait, and taken in the same synchronous step as the last check.
      while (held) await held;
      let done!: () => void;
      held = new Promise((resolve) => {
        done = resolve;
      });
      try {
        return await work();
      } finally {
        held = undefined;
        done();
      }
    },
  };
}
