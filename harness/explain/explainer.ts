import {
  type CellAttribution,
  type CellResult,
  type CellStatus,
  type Outcome,
  type PolicyEvaluation,
  type PolicyInfo,
  RlsMatrixError,
  type RowAttribution,
  type SchemaCatalog,
} from '../../core/index.js';
import type { PlannerConnection } from '../../database/index.js';
import type { PersonaIdentity } from '../jwt.js';
import type { CellPlan } from '../planner/plan.js';
import { applicablePolicies, bypassReason, decideRow, gatesOf } from './decide.js';
import { evaluateGates, proposedRow, readRow, type RowImage, updatedRow } from './evaluate.js';
import { missingGrant } from './grant.js';
import type { PolicyCatalog } from './policies.js';
import { replayText } from './replay.js';

/** Rows of a scope explained one by one; the rest are counted. */
const MAX_ROWS = 10;

export interface ExplainerOptions {
  catalog: SchemaCatalog;
  policies: PolicyCatalog;
  identities: ReadonlyMap<string, PersonaIdentity>;
  /** A connection whose work is rolled back: the run's own isolation (a transaction on someone else's database). */
  connect: () => Promise<PlannerConnection>;
}

/** What attribution adds to a result. */
export type Explanation = Pick<CellResult, 'attribution' | 'replay'>;

/**
 * Explains cells as they finish: every cell gets the names of the policies that applied (from the
 * catalogue read before the run, no query); a cell that failed or came out partial also gets, per
 * row, the policy that let it through or the check that refused it, and a privilege denial the
 * missing grant, evaluated on one connection of its own, one cell at a time, in work that is rolled
 * back. Never changes an outcome or a status: it runs after both are decided.
 */
export class Explainer {
  readonly #options: ExplainerOptions;
  #connection: Promise<PlannerConnection> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ExplainerOptions) {
    this.#options = options;
  }

  async explain(plan: CellPlan, judged: { outcome: Outcome; status: CellStatus }): Promise<Explanation> {
    const { cell } = plan;
    const identity = this.#options.identities.get(cell.persona)!;
    const replay = judged.status === 'pass' ? {} : { replay: replayText(plan, this.#options.identities.values()) };
    if (cell.operation === 'rpc') return { ...(await this.#grantOnly(plan, judged.outcome)), ...replay };
    const member = this.#options.policies.roles.get(identity.role)?.memberOf ?? new Set([identity.role]);
    const all = this.#options.policies.policies.get(cell.table) ?? [];
    const applicable = applicablePolicies(all, cell.operation, cell.returning, member);
    const bypass = bypassReason(this.#options.policies, cell.table, identity.role);
    const attribution: CellAttribution = { policies: applicable.map((p) => p.name), ...(bypass ? { bypass } : {}) };
    const deeper = judged.status === 'fail' || judged.outcome.class === 'partial' || (judged.status !== 'pass' && judged.outcome.class === 'denied:privilege');
    if (deeper) Object.assign(attribution, await this.#serially((c) => this.#attributeRows(c, plan, judged.outcome, applicable, member, bypass)).catch(unattributable));
    return { attribution, ...replay };
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
    if (this.#connection) await (await this.#connection).release();
  }

  async #grantOnly(plan: CellPlan, outcome: Outcome): Promise<Explanation> {
    if (outcome.class !== 'denied:privilege' || !outcome.error) return {};
    const grant = await this.#serially((c) => missingGrant(c.client, plan, undefined, outcome.error!)).catch(unattributable);
    return { attribution: { policies: [], ...(typeof grant === 'string' ? { missingGrant: grant } : (grant ?? {})) } };
  }

  /** One cell at a time on the one connection (results of several workers arrive together). */
  #serially<T>(work: (connection: PlannerConnection) => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      const connection = await (this.#connection ??= this.#options.connect());
      return connection.discard(() => work(connection));
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #attributeRows(
    { client }: PlannerConnection,
    plan: CellPlan,
    outcome: Outcome,
    applicable: PolicyInfo[],
    memberOf: ReadonlySet<string>,
    bypass: string | undefined,
  ): Promise<Partial<CellAttribution>> {
    const table = this.#options.catalog.tables.get(plan.cell.table);
    if (outcome.class === 'denied:privilege' && outcome.error) {
      const grant = await missingGrant(client, plan, table, outcome.error);
      return grant ? { missingGrant: grant } : { unattributed: 'the missing grant could not be determined from the error' };
    }
    if (bypass || !table || table.kind === 'view') return {};
    const gates = gatesOf(plan.cell.operation, plan.cell.returning);
    const rows: RowAttribution[] = [];
    const evaluate = (row: RowImage, on: 'existing' | 'new', which: typeof gates.existing) => evaluateGates(client, plan, table, applicable, memberOf, row, on, which);
    const keys = plan.call.keys;
    if (plan.cell.operation === 'insert' || (plan.cell.operation === 'upsert' && !keys.length)) {
      const row = await proposedRow(client, plan, table);
      if ('failed' in row) return { unattributed: row.failed };
      rows.push(decideRow(row.label, { existing: [], written: gates.written }, await evaluate(row, 'new', gates.written), plan.role));
      return { rows };
    }
    // An upsert's conflict path reads the existing row its key names (the scope's first).
    const explained = plan.cell.operation === 'upsert' ? keys.slice(0, 1) : keys.slice(0, MAX_ROWS);
    for (const key of explained) {
      const existing = await readRow(client, table, key);
      if (!existing) continue;
      const evaluations: PolicyEvaluation[] = await evaluate(existing, 'existing', gates.existing);
      if (gates.written.length) evaluations.push(...(await evaluate(await updatedRow(client, plan, existing), 'new', gates.written)));
      rows.push(decideRow(existing.label, gates, evaluations, plan.role));
    }
    return { rows, ...(keys.length > explained.length && plan.cell.operation !== 'upsert' ? { rowsOmitted: keys.length - explained.length } : {}) };
  }
}

/**
 * Attribution is an explanation, never a verdict: when it fails (an expression's side effect, a
 * lost statement), the cell says so and keeps its outcome. A failure of the run itself (the
 * transaction on someone else's database is no longer the one it began) still stops the run.
 */
function unattributable(error: unknown): { unattributed: string } {
  if (error instanceof RlsMatrixError) throw error;
  return { unattributed: `cannot be attributed: ${(error as Error).message}` };
}
