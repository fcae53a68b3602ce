import type { Cell } from './cell.js';
import { operationRank } from './operations.js';
import type { CellStatus, Outcome, OutcomeClass } from './results.js';
import { expectedText, knownReason, plainVerdict, type Verdict } from './verdict.js';

/**
 * The vocabulary of `rls-matrix diff`: what "widened" means, for an observed outcome and for an
 * expected verdict, and the pure comparison of two sets of cells matched by their stable id. Both
 * comparisons (two runs' results, two matrices' expectations) and every rendering of a diff share it.
 */

/**
 * Outcome classes from least to most access. Each one passes one more of the gates PostgreSQL puts
 * between a statement and the rows: the privilege check (GRANT), the row-level security check that
 * refuses a statement with an error, then the rows themselves (none, some, all of the scope). A refusal
 * that becomes silent filtering is therefore a widening: the statement now runs, and one policy
 * decides alone what it reaches. `error` is not on the scale (see {@link compareOutcomes}).
 */
export const ACCESS_ORDER = ['denied:privilege', 'denied:policy', 'filtered', 'partial', 'allowed'] as const satisfies readonly OutcomeClass[];

/** What happened to a cell between the two sides, in the order reports list them. */
export const DIFF_KINDS = ['widened', 'narrowed', 'errors', 'changed', 'added', 'removed'] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];

/** `--fail-on` of `diff`: the kinds that make it exit 1, or `none`. */
export const DIFF_FAIL_ON_CHOICES = [...DIFF_KINDS, 'none'] as const;
export type DiffFailOn = (typeof DIFF_FAIL_ON_CHOICES)[number];

/** What names a cell to a person, and its stable id (the key a diff matches cells by). */
type CellName = Pick<Cell, 'id' | 'table' | 'persona' | 'operation' | 'caseName' | 'scope'>;

/** One side of a cell: what its matrix expected and where, and (comparing runs) what the run observed. */
export interface DiffSide extends Pick<Cell, 'expected' | 'source' | 'scopePredicate'> {
  outcome?: Outcome;
  status?: CellStatus;
}

/** A cell as a diff matches it: its name and its side. */
export type DiffCell = CellName & DiffSide;

/** One cell that differs between the two sides (`before` absent when added, `after` when removed). */
export interface CellChange extends CellName {
  kind: DiffKind;
  before?: DiffSide;
  after?: DiffSide;
  /** What else changed, in words: `expectation deny → allow`, `the scope held 3 rows, now 5`… */
  notes: string[];
}

export type DiffCounts = Record<DiffKind | 'unchanged', number>;

/** What one side of a diff was: the path given, and the run's provenance when it is a report. */
export interface DiffSideInfo {
  path: string;
  matrixName: string;
  cells: number;
  postgresVersion?: string;
  provider?: string;
  gitCommit?: string;
  startedAt?: string;
  schemaFingerprint?: string;
}

/** A whole diff: the two sides, every changed cell (in report order within each kind), and counts. */
export interface CellDiff {
  mode: 'results' | 'matrices';
  before: DiffSideInfo;
  after: DiffSideInfo;
  changes: CellChange[];
  counts: DiffCounts;
  /** Changes no single cell shows (e.g. `defaults` changed, which also covers tables neither matrix names). */
  notes: string[];
}

/** How two sides of one cell compare: a kind or `unchanged`, and what else changed. */
export type CompareSides = (before: DiffSide, after: DiffSide) => { kind: DiffKind | 'unchanged'; notes: string[] };

/**
 * Matches the cells of two sides by id and classifies each with `compare`: a cell on one side only is
 * added or removed. Changes come kind by kind (DIFF_KINDS), each in report order (table, persona,
 * operation, id).
 */
export function diffCells(before: Iterable<DiffCell>, after: Iterable<DiffCell>, compare: CompareSides): { changes: CellChange[]; counts: DiffCounts } {
  const counts = Object.fromEntries([...DIFF_KINDS, 'unchanged'].map((k) => [k, 0])) as DiffCounts;
  const changes: CellChange[] = [];
  const earlier = new Map<string, DiffCell>();
  for (const cell of before) earlier.set(cell.id, cell);
  const add = (cell: DiffCell, kind: DiffKind, sides: Pick<CellChange, 'before' | 'after'>, notes: string[]) => {
    counts[kind]++;
    const { id, table, persona, operation, caseName, scope } = cell;
    changes.push({ id, kind, table, persona, operation, ...(caseName === undefined ? {} : { caseName }), ...(scope === undefined ? {} : { scope }), ...sides, notes });
  };
  for (const cell of after) {
    const was = earlier.get(cell.id);
    if (!was) {
      add(cell, 'added', { after: sideOf(cell) }, []);
      continue;
    }
    earlier.delete(cell.id);
    const { kind, notes } = compare(sideOf(was), sideOf(cell));
    if (kind === 'unchanged') counts.unchanged++;
    else add(cell, kind, { before: sideOf(was), after: sideOf(cell) }, notes);
  }
  for (const cell of earlier.values()) add(cell, 'removed', { before: sideOf(cell) }, []);
  changes.sort(
    (a, b) =>
      DIFF_KINDS.indexOf(a.kind) - DIFF_KINDS.indexOf(b.kind) || order(a.table, b.table) || order(a.persona, b.persona) || operationRank(a.operation) - operationRank(b.operation) || order(a.id, b.id),
  );
  return { changes, counts };
}

/** The cells `--fail-on` counts: any change of a listed kind (`none` alone counts nothing). */
export function failingChanges(diff: Pick<CellDiff, 'counts'>, failOn: readonly DiffFailOn[]): number {
  return failOn.reduce((sum, kind) => sum + (kind === 'none' ? 0 : diff.counts[kind]), 0);
}

/**
 * Compares what two runs observed in one cell. Widened: the outcome moved up {@link ACCESS_ORDER}, or
 * stayed `partial` over a larger share of the scope's rows; narrowed: the reverse. An `error` is not a
 * verdict, so a change to or from one is listed under `errors`, except an error that gives way to rows
 * reached (a trigger that raised P0001 to guard rows, now dropped): that is widened.
 */
export const compareOutcomes: CompareSides = (before, after) => {
  const notes = sideNotes(before, after, true);
  const a = before.outcome;
  const b = after.outcome;
  if (!a || !b) return { kind: notes.length ? 'changed' : 'unchanged', notes };
  let kind: DiffKind | 'unchanged';
  if (isError(a) || isError(b)) {
    if (!isError(b) && (b.class === 'allowed' || b.class === 'partial')) kind = 'widened';
    else kind = isError(a) && isError(b) && errorKey(a) === errorKey(b) ? 'unchanged' : 'errors';
  } else {
    const reach = compareReach(a, b);
    kind = reach > 0 ? 'widened' : reach < 0 ? 'narrowed' : 'unchanged';
    if (a.targetRows !== b.targetRows) notes.push(`the ${after.scopePredicate === undefined ? 'table' : 'scope'} held ${a.targetRows} row${a.targetRows === 1 ? '' : 's'}, now ${b.targetRows}`);
  }
  return { kind: kind === 'unchanged' && notes.length ? 'changed' : kind, notes };
};

/**
 * The most access a verdict accepts, as a place in {@link ACCESS_ORDER}: `allow` all rows; `deny` and
 * `filtered` no row, silently at most; `refused` (any SQLSTATE) a refusal. A known gap is reported
 * whatever happens, so it accepts every outcome, `allowed` included.
 */
function verdictAccess(verdict: Verdict): number {
  if (knownReason(verdict) !== undefined) return ACCESS_ORDER.indexOf('allowed');
  const plain = plainVerdict(verdict);
  if (plain === 'allow') return ACCESS_ORDER.indexOf('allowed');
  if (plain === 'deny' || plain === 'filtered') return ACCESS_ORDER.indexOf('filtered');
  return ACCESS_ORDER.indexOf('denied:policy');
}

/**
 * Compares two expectations of one cell. Widened (loosened): the most access the verdict accepts
 * grew (`deny → allow`, `refused → deny`, `deny → known gap`); narrowed (tightened): it shrank;
 * changed: the same access in other words (`deny → filtered`), or another scope predicate.
 */
export const compareExpectations: CompareSides = (before, after) => {
  const notes = sideNotes(before, after, false);
  const reach = verdictAccess(after.expected) - verdictAccess(before.expected);
  if (reach !== 0) return { kind: reach > 0 ? 'widened' : 'narrowed', notes };
  const same = expectedText(before.expected) === expectedText(after.expected) && knownReason(before.expected) === knownReason(after.expected);
  return { kind: same && !notes.length ? 'unchanged' : 'changed', notes };
};

/** What changed besides the outcome: the expectation (comparing runs) and the scope's predicate. */
function sideNotes(before: DiffSide, after: DiffSide, withExpectation: boolean): string[] {
  const notes: string[] = [];
  if (withExpectation && expectedText(before.expected) !== expectedText(after.expected)) notes.push(`expectation ${expectedText(before.expected)} → ${expectedText(after.expected)}`);
  if (before.scopePredicate !== after.scopePredicate) notes.push(`scope predicate ${before.scopePredicate ?? '(whole table)'} → ${after.scopePredicate ?? '(whole table)'}`);
  return notes;
}

/** -1, 0 or 1: whether `b` reaches less, as much or more than `a` (shares of `partial` compared exactly). */
function compareReach(a: Outcome, b: Outcome): number {
  const ra = ACCESS_ORDER.indexOf(a.class as (typeof ACCESS_ORDER)[number]);
  const rb = ACCESS_ORDER.indexOf(b.class as (typeof ACCESS_ORDER)[number]);
  if (ra !== rb) return Math.sign(rb - ra);
  return a.class === 'partial' ? Math.sign(b.rows * a.targetRows - a.rows * b.targetRows) : 0;
}

/** A vacuous cell proved nothing: an error whatever its class says. */
function isError(outcome: Outcome): boolean {
  return outcome.class === 'error' || outcome.vacuous === true;
}

/** Errors are the same when their SQLSTATE is (messages carry values and differ between majors). */
function errorKey(outcome: Outcome): string {
  return outcome.vacuous ? 'vacuous' : (outcome.error?.sqlstate ?? outcome.reason ?? 'error');
}

function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A cell's side, without the fields that name it. */
function sideOf(cell: DiffCell): DiffSide {
  const { expected, source, scopePredicate, outcome, status } = cell;
  return { expected, source, ...(scopePredicate === undefined ? {} : { scopePredicate }), ...(outcome ? { outcome } : {}), ...(status ? { status } : {}) };
}
