import { type Mutant, databaseErrorFields } from '../core/index.js';
import { cloneDatabase, type ConnectionInfo, type DatabaseClone, type WorkerConnection } from '../database/index.js';
import { type CellPlan, lockWaitBesideOthers } from '../harness/index.js';
import { parseStatements, treeNodes } from '../matrix/index.js';
import { type MutantTrial, statementFailed } from './in-database.js';
import { replayBounded, type StackBound, useSmallStack } from './recursion.js';

/**
 * One worker's copy of the prepared database and the one transaction its mutants run in, each
 * inside a savepoint: `savepoint mutant; <statement>`, the cells (each in its own nested savepoint,
 * as in any run), `rollback to savepoint mutant`. DDL is transactional in PostgreSQL, and rolling
 * back a subtransaction undoes its catalogue changes, its locks and the caches built on them, so the
 * next mutant starts from the prepared database exactly: one copy per worker instead of one per
 * mutant, and no connection to open.
 */
export interface SavepointSession {
  run(mutant: Mutant, plans: readonly CellPlan[]): Promise<MutantTrial>;
  close(): Promise<void>;
}

const UNDO = 'rollback to savepoint mutant; release savepoint mutant';

/**
 * Sequences are the one thing a cell changes that no rollback undoes: an insert cell's `nextval`
 * stays taken. In a copy of its own each mutant starts from the sequences as the baseline left them;
 * here they are set back after every mutant, so that an id a cell draws (and a key it may collide
 * with) is the same whichever way the mutant ran. The statement setting every sequence back is made
 * once, when the session opens.
 */
const SEQUENCES_RESET_SQL = `
select coalesce(string_agg(format('select pg_catalog.setval(%L, %s, %s)', format('%I.%I', schemaname, sequencename),
                                  coalesce(last_value, start_value), case when last_value is null then 'false' else 'true' end), '; '), '') as reset
  from pg_catalog.pg_sequences`;

export async function openSavepointSession(server: ConnectionInfo, template: string, label: string, cellTimeoutMs: number, stack: StackBound | undefined): Promise<SavepointSession> {
  const copy: DatabaseClone = await cloneDatabase(server, template, label);
  let worker: WorkerConnection;
  let undo: string;
  try {
    worker = await copy.connectWorker(cellTimeoutMs, lockWaitBesideOthers(cellTimeoutMs));
    // Outside any mutant's savepoint: it stays for the whole session.
    await useSmallStack(worker, stack);
    const resetSequences = (await worker.client.query<{ reset: string }>(SEQUENCES_RESET_SQL)).rows[0]!.reset;
    undo = resetSequences ? `${UNDO}; ${resetSequences}` : UNDO;
  } catch (error) {
    await copy.drop();
    throw error;
  }
  return {
    async run(mutant, plans) {
      try {
        await worker.client.query(`savepoint mutant; ${mutant.statement}`);
      } catch (error) {
        // No SQLSTATE: the connection itself is gone, which is no verdict on the mutant.
        if (!databaseErrorFields(error).sqlstate) throw error;
        await worker.client.query(undo);
        return { failed: statementFailed(error) };
      }
      try {
        return { results: await replayBounded(plans, worker, cellTimeoutMs, stack) };
      } finally {
        await worker.client.query(undo);
      }
    },
    async close() {
      await worker.release();
      await copy.drop();
    },
  };
}

/**
 * Statements a savepoint cannot hold or a rollback cannot undo: they run in a copy of their own.
 * PostgreSQL refuses the first kind inside a transaction block; sequence positions and advisory
 * locks outlive a rollback; a new enum value cannot be used before it is committed.
 */
const OUTSIDE_A_TRANSACTION = new Set([
  'TransactionStmt',
  'VacuumStmt',
  'CreatedbStmt',
  'DropdbStmt',
  'AlterSystemStmt',
  'CreateTableSpaceStmt',
  'DropTableSpaceStmt',
  'AlterEnumStmt',
  'ReindexStmt',
  'CreateSubscriptionStmt',
  'DropSubscriptionStmt',
  'AlterSubscriptionStmt',
]);
const NOT_UNDONE = new Set([
  'nextval',
  'setval',
  'pg_advisory_lock',
  'pg_advisory_xact_lock',
  'pg_try_advisory_lock',
  'dblink',
  'dblink_exec',
  'pg_notify',
  'pg_terminate_backend',
  'pg_cancel_backend',
]);

/** Whether a mutant can run inside a savepoint of a shared transaction and be undone by rolling back to it. Needs the SQL parser loaded. */
export function runsInSavepoint(mutant: Mutant): boolean {
  if (mutant.beforeFixtures) return false;
  let statements: unknown[];
  try {
    statements = parseStatements(mutant.statement);
  } catch {
    return false;
  }
  for (const { type, fields } of treeNodes(statements)) {
    if (OUTSIDE_A_TRANSACTION.has(type)) return false;
    if (type === 'IndexStmt' && fields.concurrent) return false;
    if (type === 'FuncCall') {
      const names = (fields.funcname as { String?: { sval?: string } }[] | undefined) ?? [];
      const name = names.at(-1)?.String?.sval;
      if (name && NOT_UNDONE.has(name)) return false;
    }
  }
  return true;
}
