import pg from 'pg';
import { databaseErrorFields, type Mutant } from '../core/index.js';
import { cloneDatabase, type ConnectionInfo, connect, prepareWorkspace, type StartedDatabase } from '../database/index.js';
import { personaUserId, seed } from '../fixtures/index.js';
import { type CellPlan, lockWaitBesideOthers, personaClaims } from '../harness/index.js';
import type { LoadedMatrix, PersonaSpec } from '../matrix/index.js';
import { type MutantTrial, statementFailed } from './in-database.js';
import { replayBounded, type StackBound, useSmallStack } from './recursion.js';

/**
 * Mutants applied before the fixtures are seeded (a dropped trigger: what it writes at insert time
 * is never written). They run in a copy of the database as the shim and the migrations left it:
 * the statement committed, the fixtures seeded again exactly as the baseline's were (same matrix,
 * same faker seed), then the cells planned on the baseline.
 */
export interface BeforeFixtures {
  /** The database as the migrations left it (nobody connected): each such mutant copies it. */
  template: string;
  /** The matrix as loaded, before its personas were bound to users: what `seed` takes. */
  loaded: LoadedMatrix;
  /** The personas as the baseline's seeding bound them, whose claims the plans carry. */
  personas: Record<string, PersonaSpec>;
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
    const moved = Object.keys(fresh.personas).find((p) => personaUserId({ personas }, p) !== personaUserId({ personas: fresh.personas }, p));
    if (moved) return { failed: `seeded again, persona ${moved} is bound to another user (${personaUserId({ personas }, moved)}, not ${personaUserId({ personas: fresh.personas }, moved)})` };
    const worker = await clone.connectWorker(cellTimeoutMs, lockWaitBesideOthers(cellTimeoutMs));
    try {
      await useSmallStack(worker, stack);
      return { results: await replayBounded(withClaimsOf(plans, fresh.personas, personas), worker, cellTimeoutMs, stack) };
    } finally {
      await worker.release();
    }
  } finally {
    await clone.drop();
  }
}

/**
 * The plans with each persona's claims as the fixtures seeded now bind them: a user's token carries
 * its auth.users metadata, so a trigger that no longer writes claims there changes the token too.
 * Only the claims that differ are replaced in the claims the plan sets (which also hold iat, exp).
 */
function withClaimsOf(plans: readonly CellPlan[], before: Record<string, PersonaSpec>, after: Record<string, PersonaSpec>): readonly CellPlan[] {
  const changed = new Map<string, { from: Record<string, unknown>; to: Record<string, unknown> }>();
  for (const persona of Object.keys(before)) {
    const from = personaClaims({ personas: before }, persona);
    const to = personaClaims({ personas: after }, persona);
    if (JSON.stringify(from) !== JSON.stringify(to)) changed.set(persona, { from, to });
  }
  if (!changed.size) return plans;
  return plans.map((plan) => {
    const change = changed.get(plan.cell.persona);
    if (!change) return plan;
    const setup = plan.setup.replace(/set_config\('request\.jwt\.claims', (\s*E?'(?:[^'\\]|\\.|'')*'), true\)/, (whole, literal: string) => {
      const claims = parseLiteral(literal);
      if (!claims) return whole;
      for (const key of new Set([...Object.keys(change.from), ...Object.keys(change.to)])) {
        if (JSON.stringify(change.from[key]) === JSON.stringify(change.to[key])) continue;
        if (key in change.to) claims[key] = change.to[key];
        else delete claims[key];
      }
      return `set_config('request.jwt.claims', ${pg.escapeLiteral(JSON.stringify(claims))}, true)`;
    });
    // The plan's statement is built on first read (a getter): keep it, with the new setup.
    return Object.create(plan, { setup: { value: setup, enumerable: true } }) as CellPlan;
  });
}

function parseLiteral(quoted: string): Record<string, unknown> | undefined {
  const literal = quoted.trim();
  const text = literal.startsWith('E') ? literal.slice(2, -1).replace(/''/g, "'").replace(/\\(.)/g, '$1') : literal.slice(1, -1).replace(/''/g, "'");
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
