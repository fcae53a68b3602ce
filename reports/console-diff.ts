import { type CellDiff, DIFF_KINDS, type DiffFailOn, type DiffKind, failingChanges } from '../core/index.js';
import { cellLabel, changeSource, KIND_TITLE, sideInfoText, sideText } from './diff-wording.js';
import { locationText, plural } from './format.js';
import type { Paint } from './terminal.js';

/** How `rls-matrix diff` prints. */
export interface DiffConsoleOptions {
  /** The kinds that fail the diff (`--fail-on`): named in the verdict line. */
  failOn: readonly DiffFailOn[];
  paint: Paint;
  /** Base of the locations printed. @default process.cwd() */
  cwd?: string;
  /** Most cells listed per kind; the rest are counted. @default 50 */
  maxListed?: number;
}

const KIND_COLOUR: Readonly<Record<DiffKind, number>> = { widened: 31, narrowed: 33, errors: 35, changed: 36, added: 32, removed: 2 };

/**
 * `rls-matrix diff`'s console output: both sides, every changed cell by kind (table, persona, operation,
 * scope, before → after, where its verdict is written, and what else changed), and a verdict line.
 */
export function diffConsoleText(diff: CellDiff, options: DiffConsoleOptions): string {
  const { paint } = options;
  const cwd = options.cwd ?? process.cwd();
  const maxListed = options.maxListed ?? 50;
  const what = diff.mode === 'results' ? 'observed outcomes' : 'expectations';
  let text = `rls-matrix diff of ${what}: ${diff.before.path} → ${diff.after.path}\n`;
  text += `  before: ${sideInfoText(diff.before)}\n  after:  ${sideInfoText(diff.after)}\n`;
  for (const note of diff.notes) text += `  ${paint(33, 'note:')} ${note}\n`;
  for (const kind of DIFF_KINDS) {
    const changes = diff.changes.filter((c) => c.kind === kind);
    if (!changes.length) continue;
    const { symbol, title } = KIND_TITLE[kind];
    text += `\n${paint(KIND_COLOUR[kind], `${symbol} ${title} (${changes.length})`)}\n`;
    for (const change of changes.slice(0, maxListed)) {
      const where = locationText(changeSource(change), cwd);
      text += `  ${change.table} · ${cellLabel(change)}: ${sideText(change.before, change)} → ${sideText(change.after, change)}${where ? paint(2, `  at ${where}`) : ''}\n`;
      for (const note of change.notes) text += `      ${paint(2, note)}\n`;
    }
    if (changes.length > maxListed) text += `  … and ${changes.length - maxListed} more (--json lists every one)\n`;
  }
  return `${text}\n${verdictLine(diff, options.failOn, paint)}\n`;
}

/** `FAIL diff: 1 widened, … 45 unchanged · 1 at --fail-on widened`, or PASS. */
function verdictLine(diff: CellDiff, failOn: readonly DiffFailOn[], paint: Paint): string {
  const counts = [...DIFF_KINDS.map((k) => `${diff.counts[k]} ${KIND_TITLE[k].title}`), `${diff.counts.unchanged} unchanged`].join(', ');
  const failing = failingChanges(diff, failOn);
  const gate = failOn.filter((k) => k !== 'none').join(',') || 'none';
  return failing ? `${paint(31, 'FAIL')} diff: ${counts} · ${plural(failing, 'cell')} at --fail-on ${gate}` : `${paint(32, 'PASS')} diff: ${counts} · none at --fail-on ${gate}`;
}
