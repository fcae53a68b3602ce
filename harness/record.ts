import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { type Cell, type CellResult, type Outcome, operationRank, type PlainVerdict, type Reporter, STORAGE_OPERATIONS } from '../core/index.js';
import { loadMatrix, type RecordedVerdict, recordVerdicts, storageVerb } from '../matrix/index.js';
import type { RunOptions } from './options.js';
import { runMatrix } from './run.js';

/** Options of `recordMatrix`: one YAML matrix, and where its database comes from (as for a run). */
export interface RecordOptions extends Omit<RunOptions, 'matrices' | 'reporters' | 'lint' | 'filter' | 'failOn'> {
  matrix: string;
  /** Every cell's result, stated cells too (init records its scoped cells from them). */
  onResult?: (result: CellResult) => void;
}

/** A cell whose behaviour no verdict describes, left unstated for a human to decide. */
export interface UnrecordedCell {
  id: string;
  reason: string;
}

export interface RecordOutcome {
  /** The matrix's new text (the caller writes it where it wants). */
  text: string;
  recorded: RecordedVerdict[];
  unrecorded: UnrecordedCell[];
}

/**
 * Runs a matrix with every persona × table × operation it leaves unstated, and writes what the
 * database does now into those cells (`recordVerdicts`): a baseline a human reviews, after which a
 * run catches any change of behaviour. Cells the matrix states are run but left alone. A matrix
 * without `defaults:` runs from a sibling copy that has one, so the unstated cells exist; the copy
 * is removed afterwards.
 */
export async function recordMatrix(options: RecordOptions): Promise<RecordOutcome> {
  const matrix = await loadMatrix(options.matrix); // errors name the user's file, not the copy
  const text = await readFile(matrix.file, 'utf8');
  const copy = matrix.defaults === undefined ? join(dirname(matrix.file), `.${basename(matrix.file)}.record-${randomBytes(4).toString('hex')}.yaml`) : undefined;
  const results: CellResult[] = [];
  const collector: Reporter = {
    onRunStart() {},
    onCellResult: (result) => {
      results.push(result);
      options.onResult?.(result);
    },
    onRunEnd() {},
  };
  try {
    if (copy) await writeFile(copy, withDefaults(text));
    const { matrix: _file, onResult: _onResult, ...runOptions } = options;
    await runMatrix({ ...runOptions, matrices: [copy ?? matrix.file], reporters: [collector], lint: false });
  } finally {
    if (copy) await rm(copy, { force: true });
  }
  const recorded: RecordedVerdict[] = [];
  const unrecorded: UnrecordedCell[] = [];
  for (const { cell, outcome } of results) {
    if (cell.origin !== 'default') continue;
    const place = recordPlace(cell);
    if (!place) continue;
    const verdict = observedVerdict(outcome, cell);
    if ('reason' in verdict) unrecorded.push({ id: cell.id, reason: verdict.reason });
    else recorded.push({ ...place, persona: cell.persona, verdict: verdict.verdict });
  }
  const personas = Object.keys(matrix.personas);
  const sections = ['tables', 'storage', 'functions'];
  const verbs = Object.keys(STORAGE_OPERATIONS);
  const order = (r: RecordedVerdict) =>
    [sections.indexOf(r.section ?? 'tables'), r.table, personas.indexOf(r.persona), r.section === 'storage' ? verbs.indexOf(r.operation) : operationRank(r.operation)] as const;
  // Results arrive as cells finish: write them in the matrix's order of personas and the usual order of operations.
  recorded.sort((a, b) => {
    const [sa, ta, pa, oa] = order(a);
    const [sb, tb, pb, ob] = order(b);
    return sa - sb || ta.localeCompare(tb) || pa - pb || oa - ob;
  });
  unrecorded.sort((a, b) => a.id.localeCompare(b.id));
  const written = recordVerdicts(text, recorded);
  return { text: written.text, recorded: written.written, unrecorded };
}

/** Where a defaulted cell's verdict is written: a table's operation, a bucket's verb, a function's call; none for a scoped table cell. */
function recordPlace(cell: Cell): Pick<RecordedVerdict, 'section' | 'table' | 'operation'> | undefined {
  const storage = storageVerb(cell);
  if (storage) return { section: 'storage', table: storage.bucket, operation: storage.verb };
  if (cell.operation === 'rpc') return { section: 'functions', table: cell.table, operation: 'rpc' };
  return cell.scope === undefined ? { table: cell.table, operation: cell.operation } : undefined;
}

function withDefaults(text: string): string {
  const document = parseDocument(text);
  document.set('defaults', 'deny');
  return document.toString({ lineWidth: 0 });
}

/**
 * The verdict that describes an outcome exactly, or why none does. `filtered` rather than `deny`
 * when rows were hidden, so a change to an outright refusal shows too; an error's own SQLSTATE.
 */
export function observedVerdict(outcome: Outcome, cell?: Pick<Cell, 'bucket' | 'scope'>): { verdict: PlainVerdict } | { reason: string } {
  if (outcome.vacuous) {
    if (cell?.bucket === undefined) return { reason: 'its table has no fixture row: add rows, then record again' };
    const scope = cell.scope !== undefined && cell.scope !== cell.bucket ? `scope '${cell.scope.slice(cell.bucket.length + 1)}' of ` : '';
    return { reason: `${scope}bucket '${cell.bucket}' holds no object: add one to storage.objects in the fixtures (bucket_id: ${cell.bucket}), then record again` };
  }
  switch (outcome.class) {
    case 'allowed':
      return { verdict: 'allow' };
    case 'filtered':
      return { verdict: 'filtered' };
    case 'denied:policy':
    case 'denied:privilege':
      return { verdict: 'deny' };
    case 'partial':
      return { reason: `${outcome.rows} of ${outcome.targetRows} rows: the policy depends on the row; state scopes (own, others…) and their verdicts` };
    case 'error':
      return errorVerdict(outcome);
  }
}

/**
 * A refusal the schema makes on purpose (a trigger's RAISE, P0001) is behaviour to record; a row that
 * breaks a constraint or a type (SQLSTATE classes 22 and 23) says the cell's row is wrong, not the policy.
 */
function errorVerdict(outcome: Outcome): { verdict: PlainVerdict } | { reason: string } {
  const sqlstate = outcome.error?.sqlstate;
  if (!sqlstate) return { reason: outcome.reason ?? 'the cell failed without a database error' };
  if (sqlstate.startsWith('22') || sqlstate.startsWith('23')) {
    return { reason: `its row breaks the table's rules (${sqlstate}: ${outcome.error?.message}): give the table rows: for its inserts, then record again` };
  }
  return { verdict: { refused: sqlstate } };
}
