import type { CellResult, Mutant } from '../core/index.js';
import { cloneDatabase, type ConnectionInfo } from '../database/index.js';
import { type CellPlan, lockWaitBesideOthers } from '../harness/index.js';
import { replayBounded, type StackBound, useSmallStack } from './recursion.js';

/** What running a mutant gave: the cells re-run against it, or why it could not be judged. */
export type MutantTrial = { results: CellResult[] } | { failed: string };

export interface InDatabaseContext {
  /** The server we started, and the prepared database (migrations and fixtures) a mutant copies. */
  server: ConnectionInfo;
  template: string;
  cellTimeoutMs: number;
  stack: StackBound | undefined;
}

/**
 * Runs a mutant in its own copy of the prepared database (`CREATE DATABASE … TEMPLATE`): the
 * statement committed, then the cells on that copy, then the copy dropped. The fallback for what a
 * rollback cannot undo or a transaction cannot hold, and every mutant under `--isolate-mutants`.
 */
export async function runInDatabase(mutant: Mutant, plans: readonly CellPlan[], label: string, context: InDatabaseContext): Promise<MutantTrial> {
  const clone = await cloneDatabase(context.server, context.template, label);
  try {
    const timeout = context.cellTimeoutMs;
    // The mutation is committed on the connection the cells then run on: one connection to the copy instead of two.
    const worker = await clone.connectWorker(timeout, lockWaitBesideOthers(timeout));
    try {
      try {
        await worker.client.query('commit');
        await worker.client.query(mutant.statement);
        await worker.client.query('begin');
      } catch (error) {
        return { failed: statementFailed(error) };
      }
      await useSmallStack(worker, context.stack);
      return { results: await replayBounded(plans, worker, timeout, context.stack) };
    } finally {
      await worker.release();
    }
  } finally {
    await clone.drop();
  }
}

/** A mutant's statement that PostgreSQL refused, in words. */
export function statementFailed(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return `the statement failed${e.code ? ` (SQLSTATE ${e.code})` : ''}: ${e.message ?? String(error)}`;
}
