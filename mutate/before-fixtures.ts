import { type Cell, databaseErrorFields, type Mutant, type SchemaCatalog } from '../core/index.js';
import { cloneDatabase, type ConnectionInfo, connect, prepareWorkspace, type StartedDatabase } from '../database/index.js';
import { seed } from '../fixtures/index.js';
import { type CellPlan, lockWaitBesideOthers, mintIdentities, personaClaims, planCells, randomJwtSecret } from '../harness/index.js';
import type { LoadedMatrix, PersonaSpec } from '../matrix/index.js';
import { type MutantTrial, statementFailed } from './in-database.js';
import { replayBounded, type StackBound, useSmallStack } from './recursion.js';

/**
 * Mutants applied before the fixtures are seeded (a dropped trigger: what it writes at insert time
 * is never written). They run in a copy of the database as the shim and the migrations left it:
 * the statement committed, the fixtures seeded again as the baseline's were (same matrix, same
 * faker seed), then the cells planned again on that copy, with the personas as it binds them (a
 * user fixtures.sql creates with a random id gets another one each time). The
 * baseline's plans cannot be reused: fixtures.sql and column defaults draw random keys
 * (gen_random_uuid()), so the same rows have other keys in every seeding, and a persona's token
 * carries the auth.users metadata a trigger may have written. A scope is then what the matrix
 * means by it in the data this mutant leaves, as a project shipped with the mutant would show it.
 */
export interface BeforeFixtures {
  /** The database as the migrations left it (nobody connected): each such mutant copies it. */
  template: string;
  /** The matrix as loaded, before its personas were bound to users: what `seed` takes. */
  loaded: LoadedMatrix;
  /** The tables and columns the planner reads (the migrations made them; a trigger mutant does not change them). */
  catalog: SchemaCatalog;
  /** What the run puts before cell ids (see PreparedMatrix.prefix). */
  prefix: string;
  setupTimeoutMs: number;
}

/** Prepares a second database of the matrix up to its migrations (no fixtures) and returns its name, closed for copying. */
export async function prepareBeforeFixtures(database: StartedDatabase, loaded: LoadedMatrix, setupTimeoutMs: number): Promise<string> {
  const { workspace } = await prepareWorkspace(database, loaded, 'premutant', { setupTimeoutMs });
  await workspace.close();
  return workspace.connection!.database;
}

/**
 * Runs a mutant (or, with none, the control: the fixtures seeded again unmutated, which must give
 * the baseline back) in a fresh copy of the migrated database: statement, fixtures, cells.
 */
export async function runBeforeFixtures(
  mutant: Mutant | undefined,
  plans: readonly CellPlan[],
  label: string,
  server: ConnectionInfo,
  fresh: BeforeFixtures,
  cellTimeoutMs: number,
  stack: StackBound | undefined,
): Promise<MutantTrial> {
  const clone = await cloneDatabase(server, fresh.template, label);
  try {
    const client = await connect(clone.connection);
    let personas: Record<string, PersonaSpec>;
    try {
      await client.query(`set statement_timeout = ${Math.round(fresh.setupTimeoutMs)}`);
      if (mutant) {
        const applied = await client.query(mutant.statement).then(
          () => undefined,
          (error: unknown) => statementFailed(error),
        );
        if (applied) return { failed: applied };
      }
      await client.query('begin');
      try {
        personas = (await seed(client, fresh.loaded, personaClaims)).personas;
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        const sqlstate = databaseErrorFields(error).sqlstate;
        return { failed: `the fixtures no longer seed${sqlstate ? ` (SQLSTATE ${sqlstate})` : ''}: ${(error as Error).message}` };
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    const replanned = await planAgain(
      clone.connection,
      plans.map((p) => p.cell),
      { ...fresh.loaded, personas },
      fresh,
    );
    if ('failed' in replanned) return replanned;
    const worker = await clone.connectWorker(cellTimeoutMs, lockWaitBesideOthers(cellTimeoutMs));
    try {
      await useSmallStack(worker, stack);
      return { results: await replayBounded(replanned.plans, worker, cellTimeoutMs, stack) };
    } finally {
      await worker.release();
    }
  } finally {
    await clone.drop();
  }
}

/** Plans cells on a seeded copy, as planAll does on the prepared database (statements built, nothing kept). */
async function planAgain(connection: ConnectionInfo, cells: Cell[], matrix: LoadedMatrix, fresh: BeforeFixtures): Promise<{ plans: CellPlan[] } | { failed: string }> {
  const client = await connect(connection);
  try {
    await client.query(`set statement_timeout = ${Math.round(fresh.setupTimeoutMs)}; begin`);
    const identities = await mintIdentities(matrix, randomJwtSecret());
    const planned = await planCells({ client, matrix, catalog: fresh.catalog, identities, idPrefix: fresh.prefix }, cells);
    for (const plan of planned) void plan.statement;
    // In the order asked for: the mutant's own table first, as everywhere else.
    const order = new Map(cells.map((cell, index) => [cell.id, index]));
    return { plans: planned.sort((a, b) => (order.get(a.cell.id) ?? 0) - (order.get(b.cell.id) ?? 0)) };
  } catch (error) {
    return { failed: `planning the cells on the fixtures seeded again failed: ${(error as Error).message}` };
  } finally {
    await client.query('rollback').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
