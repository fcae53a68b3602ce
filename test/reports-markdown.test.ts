import { describe, expect, it } from 'vitest';
import { renderArtifact, type AssembleContext } from '../reports/artifact.js';
import { createMarkdownWriter } from '../reports/markdown.js';
import { HOSTILE, makeSampleRun, type SampleRun } from './fixtures/results-sample.js';

function render(run: SampleRun, maxRows?: number): string {
  const ctx: AssembleContext = { meta: run.meta, summary: run.summary, counts: run.summary.counts, tables: [], cwd: process.cwd(), generatedAt: new Date(0) };
  return renderArtifact(createMarkdownWriter(maxRows === undefined ? {} : { maxRows }), ctx, run.results);
}

/** Cells of a Markdown table row, splitting on unescaped pipes only. */
function cells(line: string): string[] {
  return line.replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
}

describe('summary.md', () => {
  it('starts with one verdict line, then counts, timings and provenance', () => {
    const md = render(makeSampleRun());
    expect(md.split('\n')[0]).toBe('## ❌ RLS matrix failed: 3 mismatches, 2 errors in 16 cells, 1 known gap');
    expect(md).toContain('| 10 | 3 | 2 | 1 | 16 |');
    expect(md).toMatch(/\*\*Timings:\*\* setup 1\.28 s \(provider 820 ms, shim 95 ms, migrations 210 ms, fixtures 140 ms, plan 12 ms\) · execution 2\.30 s · 7 cells\/s · 4 workers/);
    expect(md).toContain('PostgreSQL 17.6');
    expect(md).toContain('commit `3b7e9c1d2f4a`');
  });

  it('lists every failing and erroring cell in a table whose rows keep their columns despite hostile text', () => {
    const md = render(makeSampleRun());
    const rows = md.split('\n').filter((l) => l.startsWith('| ✘ fail') || l.startsWith('| ⚠ error'));
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(cells(row)).toHaveLength(9);
    const db = rows.find((r) => r.includes('23502'))!;
    expect(db).toContain('&lt;/script&gt;');
    expect(db).not.toContain('<img');
    expect(rows.some((r) => r.includes('≈ partial') && r.includes('2/3'))).toBe(true);
    expect(rows.some((r) => r.includes('○ vacuous') && r.includes('vacuous cell'))).toBe(true);
    expect(md).not.toContain(HOSTILE);
  });

  it('folds known gaps away with their reasons', () => {
    const md = render(makeSampleRun());
    expect(md).toContain('<details><summary>Known gaps (1)</summary>');
    expect(md).toContain('role column is guarded by a trigger added in #123');
  });

  it('caps the table and says how many more there are', () => {
    const md = render(makeSampleRun(), 2);
    expect(md.split('\n').filter((l) => l.startsWith('| ✘ fail') || l.startsWith('| ⚠ error'))).toHaveLength(2);
    expect(md).toContain('_… and 3 more: see report.html or results.json._');
  });

  it('says passed, with no failure table, when nothing failed', () => {
    const run = makeSampleRun();
    run.results = run.results.filter((r) => r.status === 'pass');
    run.summary.counts = { total: run.results.length, pass: run.results.length, fail: 0, error: 0, known: 0 };
    const md = render(run);
    expect(md.split('\n')[0]).toBe(`## ✅ RLS matrix passed: ${run.results.length} cells`);
    expect(md).not.toContain('### Failures and errors');
  });
});
