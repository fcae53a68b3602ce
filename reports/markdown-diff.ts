import { type CellDiff, DIFF_KINDS, type DiffFailOn, failingChanges } from '../core/index.js';
import { changeSource, KIND_TITLE, sideInfoText, sideText } from './diff-wording.js';
import { formatCount, locationText, operationLabel, scopeLabel } from './format.js';
import { cellText, code, truncate } from './markdown.js';

/** Options of {@link diffMarkdown}. */
export interface DiffMarkdownOptions {
  failOn: readonly DiffFailOn[];
  /** Base of the locations written. @default process.cwd() */
  cwd?: string;
  /** Most cells listed per kind; the rest are counted. @default 50 */
  maxRows?: number;
}

/**
 * A diff as Markdown for a pull-request comment or a CI step summary: a verdict heading, the counts,
 * both sides, then a table per kind of change (widened first), each cell with its table, persona,
 * operation, scope, before, after and where its verdict is written.
 */
export function diffMarkdown(diff: CellDiff, options: DiffMarkdownOptions): string {
  const cwd = options.cwd ?? process.cwd();
  const maxRows = options.maxRows ?? 50;
  const failing = failingChanges(diff, options.failOn);
  const what = diff.mode === 'results' ? 'observed access' : 'expected access';
  const gate = options.failOn.filter((k) => k !== 'none').join(',') || 'none';
  const heading =
    diff.counts.widened > 0
      ? `## ${failing ? '❌' : '⚠️'} RLS diff: ${what} widened in ${formatCount(diff.counts.widened)} cell${diff.counts.widened === 1 ? '' : 's'}`
      : failing
        ? `## ❌ RLS diff: no cell widened; ${formatCount(failing)} changed as --fail-on ${cellText(gate)} counts`
        : '## ✅ RLS diff: no cell widened';
  const out = [
    heading,
    '',
    `| ${DIFF_KINDS.map((k) => `${KIND_TITLE[k].symbol} ${KIND_TITLE[k].title}`).join(' | ')} | unchanged |`,
    `|${'---:|'.repeat(DIFF_KINDS.length + 1)}`,
    `| ${[...DIFF_KINDS.map((k) => diff.counts[k]), diff.counts.unchanged].map(formatCount).join(' | ')} |`,
    '',
    `**Before:** ${code(diff.before.path)} — ${cellText(sideInfoText(diff.before))}  `,
    `**After:** ${code(diff.after.path)} — ${cellText(sideInfoText(diff.after))}`,
    ...diff.notes.map((note) => `\n> **Note:** ${cellText(note)}`),
    '',
  ];
  for (const kind of DIFF_KINDS) {
    const changes = diff.changes.filter((c) => c.kind === kind);
    if (!changes.length) continue;
    const { symbol, title } = KIND_TITLE[kind];
    out.push(
      `### ${symbol} ${title[0]!.toUpperCase()}${title.slice(1)} (${formatCount(changes.length)})`,
      '',
      '| table | persona | operation | scope | before | after | where | also |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const change of changes.slice(0, maxRows)) {
      const where = locationText(changeSource(change), cwd);
      const cells = [
        code(change.table),
        cellText(change.persona),
        cellText(operationLabel(change)),
        cellText(scopeLabel(change)),
        cellText(sideText(change.before, change)),
        cellText(sideText(change.after, change)),
        where ? code(where) : '',
        cellText(truncate(change.notes.join('; '), 200)),
      ];
      out.push(`| ${cells.join(' | ')} |`);
    }
    if (changes.length > maxRows) out.push('', `_… and ${formatCount(changes.length - maxRows)} more ${title} cells: see the JSON diff._`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}
