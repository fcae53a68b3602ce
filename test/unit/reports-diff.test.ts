import { describe, expect, it } from 'vitest';
import { type CellDiff, compareOutcomes, diffCells } from '../../core/diff.js';
import { diffConsoleText } from '../../reports/console-diff.js';
import { diffMarkdown } from '../../reports/markdown-diff.js';
import { painter } from '../../reports/terminal.js';
import { HOSTILE, makeSampleRun } from '../fixtures/results-sample.js';

// The diff's renderings: every changed cell named, and text from matrices and databases kept inert.

function sampleDiff(): CellDiff {
  const before = makeSampleRun().results;
  // The later run: the first cell's persona renamed to hostile text (removed + added), the second widened.
  const after = makeSampleRun().results.map((r, i) =>
    i === 0 ? { ...r, cell: { ...r.cell, id: `${r.cell.table}/${HOSTILE}/select/own`, persona: HOSTILE } } : i === 1 ? { ...r, outcome: { ...r.outcome, class: 'allowed' as const, rows: 3 } } : r,
  );
  const toCell = ({ cell, outcome, status }: (typeof before)[number]) => ({ ...cell, outcome, status });
  const { changes, counts } = diffCells(before.map(toCell), after.map(toCell), compareOutcomes);
  const info = { matrixName: 'sample', cells: before.length, postgresVersion: '18.1', provider: 'embedded' };
  return { mode: 'results', before: { path: 'before', ...info }, after: { path: 'after', ...info }, changes, counts, notes: [] };
}

describe('diff renderings', () => {
  it('Markdown: a verdict heading, counts, a table per kind; hostile names escaped', () => {
    const md = diffMarkdown(sampleDiff(), { failOn: ['widened'], cwd: process.cwd() });
    expect(md).toContain('## ❌ RLS diff: observed access widened in 1 cell\n');
    expect(md).toContain('| `public.content_projects` | alice | select | others | ∅ filtered (0 of 3 rows visible) | ✓ allowed (3 of 3 rows visible) | `examples/sample/matrix.yaml:31:7` |  |');
    expect(md).toContain('### + Added (1)');
    expect(md).toContain('### − Removed (1)');
    expect(md).not.toContain(HOSTILE);
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/[\u0000-\u0008]/);
    expect(diffMarkdown({ ...sampleDiff(), counts: { ...sampleDiff().counts, widened: 0 } }, { failOn: ['added', 'removed'] })).toMatch(
      /^## ❌ RLS diff: no cell widened; 2 changed as --fail-on added,removed counts\n/,
    );
    for (const line of md.split('\n').filter((l) => l.startsWith('| `public'))) expect(line.split(/(?<!\\)\|/).length).toBe(10);
  });

  it('console: each change on one line with where its verdict is written, and the verdict line', () => {
    const text = diffConsoleText(sampleDiff(), { failOn: ['narrowed'], paint: painter(false), cwd: process.cwd() });
    expect(text).toContain(
      '▲ widened (1)\n  public.content_projects · alice · select · others: ∅ filtered (0 of 3 rows visible) → ✓ allowed (3 of 3 rows visible)  at examples/sample/matrix.yaml:31:7\n',
    );
    expect(text).toMatch(/\nPASS diff: 1 widened, 0 narrowed, 0 errors changed, 0 changed, 1 added, 1 removed, \d+ unchanged · none at --fail-on narrowed\n$/);
  });
});
