import { type CellChange, type DiffKind, type DiffSide, type DiffSideInfo, expectedText, ROW_VERB } from '../core/index.js';
import { CLASS_SYMBOL, operationLabel, scopeLabel, VACUOUS_SYMBOL } from './format.js';

/** The wording `diff`'s console and Markdown output share: kinds, sides, cells, provenance. */

/** Each kind's heading, and the symbol it is listed with. */
export const KIND_TITLE: Readonly<Record<DiffKind, { symbol: string; title: string }>> = {
  widened: { symbol: '▲', title: 'widened' },
  narrowed: { symbol: '▼', title: 'narrowed' },
  errors: { symbol: '⚠', title: 'errors changed' },
  changed: { symbol: '~', title: 'changed' },
  added: { symbol: '+', title: 'added' },
  removed: { symbol: '−', title: 'removed' },
};

/** `persona · operation · scope`: the cell within its table. */
export function cellLabel(change: CellChange): string {
  return `${change.persona} · ${operationLabel(change)} · ${scopeLabel(change)}`;
}

/**
 * One side of a changed cell: what the run observed (`∅ filtered (0 of 3 rows affected)`,
 * `⚠ error 42P17`) comparing runs, or the expectation (`deny`) comparing matrices; `–` when absent.
 */
export function sideText(side: DiffSide | undefined, change: Pick<CellChange, 'operation'>): string {
  if (!side) return '–';
  const outcome = side.outcome;
  if (!outcome) return expectedText(side.expected);
  if (outcome.vacuous) return `${VACUOUS_SYMBOL} vacuous`;
  if (outcome.class === 'error') return `${CLASS_SYMBOL.error} error ${outcome.error?.sqlstate ?? outcome.reason ?? ''}`.trimEnd();
  return `${CLASS_SYMBOL[outcome.class]} ${outcome.class} (${outcome.rows} of ${outcome.targetRows} row${outcome.targetRows === 1 ? '' : 's'} ${ROW_VERB[change.operation]})`;
}

/** Where the cell's verdict is written: the later side's location, or the earlier one for a removed cell. */
export function changeSource(change: CellChange): DiffSide['source'] | undefined {
  return (change.after ?? change.before)?.source;
}

/** `matrix 'LMS', 48 cells, PostgreSQL 18.1 (embedded), commit 1a2b3c4d5e6f`. */
export function sideInfoText(info: DiffSideInfo): string {
  return [
    `matrix '${info.matrixName}'`,
    `${info.cells} cell${info.cells === 1 ? '' : 's'}`,
    info.postgresVersion ? `PostgreSQL ${info.postgresVersion}${info.provider ? ` (${info.provider})` : ''}` : undefined,
    info.gitCommit ? `commit ${info.gitCommit.slice(0, 12)}` : undefined,
    info.schemaFingerprint ? `schema ${info.schemaFingerprint.replace(/^sha256:/, '').slice(0, 12)}` : undefined,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
}
