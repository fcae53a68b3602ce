import type { SourceLocation } from './location.js';

/**
 * Mutation testing of a matrix (`rls-matrix mutate`): each mutant is one deliberate change to the
 * live security objects (a policy, a table's RLS flags, a policy's helper function, a grant); the
 * matrix kills it when at least one of its cells notices. The engine lives in mutate/, the reports
 * word these types.
 */

/** Every kind of mutant, in report order. */
const MUTANT_KINDS = [
  'policy-drop',
  'policy-using-true',
  'policy-check-true',
  'policy-check-drop',
  'policy-roles-public',
  'policy-flip',
  'rls-disable',
  'rls-no-force',
  'function-permissive',
  'function-invoker',
  'function-definer',
  'grant-widen',
  'trigger-drop',
] as const;
export type MutantKind = (typeof MUTANT_KINDS)[number];

/** One change to the live schema, and what it can affect. */
export interface Mutant {
  /** Stable id, `kind:object` (a waiver names it, or a pattern matching it). */
  id: string;
  kind: MutantKind;
  /** The mutated object: `schema.table.policy`, `schema.table`, `schema.function(args)`, `role@schema.table`, `schema.table.trigger`. */
  object: string;
  /** What the change does, in a sentence. */
  description: string;
  /** The SQL that makes the mutant, exactly as it is run on the mutant's own database. */
  statement: string;
  /** Tables (and views) whose cells the change can affect: only their cells (and rpc cells) re-run. */
  affects: string[];
  /**
   * On the mutated table itself, only cells of these operations re-run (a policy for UPDATE cannot
   * change a select cell); absent: every operation. A policy for SELECT also reaches update, delete,
   * upsert and every cell returning rows.
   */
  operations?: ('select' | 'insert' | 'update' | 'delete' | 'upsert')[];
  /** How the suggestion for a survivor is made: who, on which table, which commands, more or less access. */
  reach: MutantReach;
  /**
   * Applied before the fixtures are seeded (a dropped trigger acts at insert time: the rows it
   * would have written are never there). Such a mutant runs in a copy of the database as the
   * migrations left it, seeded again after the statement.
   */
  beforeFixtures?: true;
}

/** The access a mutant changes, as far as the catalogue tells. */
export interface MutantReach {
  table: string;
  /** PostgreSQL roles whose access changes (`public` for every role). */
  roles: string[];
  commands: ('select' | 'insert' | 'update' | 'delete')[];
  /** `widens`: rows or commands formerly refused now pass; `narrows`: the reverse. */
  direction: 'widens' | 'narrows';
  /** Which rows, in words: `rows policy "x" does not admit`. */
  rows: string;
}

/** killed: a cell failed; survived: every re-run cell still passed; errored: no cell failed but some erred, or the statement did not apply. */
export type MutantStatus = 'killed' | 'survived' | 'errored' | 'waived';

export interface MutantResult extends Mutant {
  status: MutantStatus;
  /** Cells re-run against the mutant. */
  cellsRun: number;
  /** The first cells that failed (killed), or erred (errored). */
  cells?: string[];
  /** Why the mutant errored: the statement's error, or the first cell error. */
  error?: string;
  /** A survivor: the cell that would kill it. */
  suggestion?: string;
  /** Set when a `mutation_waivers:` entry accepts the mutant. */
  waived?: { reason: string; source: SourceLocation };
  durationMs: number;
}

export interface MutationCounts {
  total: number;
  killed: number;
  survived: number;
  errored: number;
  waived: number;
}

/** What `rls-matrix mutate` found; reports and the console word it, never re-compute it. */
export interface MutationSummary {
  /** killed / (killed + survived), in percent; null when no mutant counts (all errored or waived). */
  score: number | null;
  counts: MutationCounts;
  /** --fail-under: the score below which the command exits 1. */
  failUnder?: number;
  mutants: MutantResult[];
  /** The baseline run (every cell, unmutated), the template clone, and the mutants all together (wall time). */
  timings: { baselineMs: number; mutantsMs: number; perMutantMs: number; mutantsPerSecond: number };
  workers: number;
  /** Waivers that accept no mutant (stale). */
  unusedWaivers: MutationWaiver[];
}

/** One `mutation_waivers:` entry: the mutant id (or a pattern with `*`) it accepts and why. */
export interface MutationWaiver {
  mutant: string;
  reason: string;
  source: SourceLocation;
}

/** killed / (killed + survived) in percent, one decimal; null when neither. */
export function mutationScore(counts: Pick<MutationCounts, 'killed' | 'survived'>): number | null {
  const counted = counts.killed + counts.survived;
  return counted === 0 ? null : Math.round((counts.killed / counted) * 1000) / 10;
}
