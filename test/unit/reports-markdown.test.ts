import { describe, expect, it } from 'vitest';
import { renderArtifact, type AssembleContext } from '../../reports/artifact.js';
import { createMarkdownWriter } from '../../reports/markdown.js';
import { HOSTILE, makeCoverage, makeSampleFindings, makeSampleRun, type SampleRun } from '../fixtures/results-sample.js';

function render(run: SampleRun, maxRows?: number): string {
  const ctx: AssembleContext = { meta: run.meta, summary: run.summary, counts: run.summary.counts, tables: [], cwd: process.cwd(), generatedAt: new Date(0) };
  return renderArtifact(createMarkdownWriter(maxRows === undefined ? {} : { maxRows }), ctx, run.results);
}

/** Cells of a Markdown table row, splitting on unescaped pipes only. */
function cells(line: string): string[] {
  return line
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/);
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
    for (const row of rows) expect(cells(row)).toHaveLength(11);
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

  it('has one lint line, and the unwaived errors and warnings in a table that keeps its columns', () => {
    const md = render(makeSampleRun());
    expect(md).toContain('**Lints:** 1 error, 2 warnings, 1 info, 1 waived\n');
    const rows = md.split('\n').filter((l) => l.startsWith('| ✘ error') || l.startsWith('| ⚠ warn') || l.startsWith('| ℹ info'));
    expect(rows.map((r) => cells(r)[1]!.trim())).toEqual(['`rls-disabled-in-public`', '`multiple-permissive-policies`', '`rls-policy-always-true`']);
    for (const row of rows) expect(cells(row)).toHaveLength(4);
    // The waived finding is counted, not listed; info is counted, not listed.
    expect(md).not.toContain('public.tags');
    expect(md).not.toContain('policy-missing-with-check');
    // Hostile policy names stay text: literal only inside code spans (which Markdown never reads as HTML), control characters spelled out.
    expect(md.replace(/`[^`\n]*`/g, '')).not.toMatch(/<img|<script/);
    expect(md).toContain('\\x07bell');
    expect(md).not.toMatch(/[\u0000\u0007]/);
  });

  it('caps the lint table', () => {
    const run = makeSampleRun();
    const error = makeSampleFindings()[0]!;
    run.meta.lint = Array.from({ length: 27 }, (_, i) => ({ ...error, object: `public.t${String(i).padStart(2, '0')}` }));
    const md = render(run);
    expect(md.split('\n').filter((l) => l.startsWith('| ✘ error'))).toHaveLength(20);
    expect(md).toContain('_… and 7 more errors and warnings: see report.html or results.json._');
    expect(md).toContain('**Lints:** 27 errors, 0 warnings, 0 info, 0 waived');
  });

  it('says which findings fail the run under --fail-on, and fails a run whose cells all passed', () => {
    const run = makeSampleRun();
    run.results = run.results.filter((r) => r.status === 'pass');
    run.summary.counts = { total: run.results.length, pass: run.results.length, fail: 0, error: 0, known: 0 };
    run.summary.lintFailures = 1;
    run.summary.lintFailOn = 'error';
    const md = render(run);
    expect(md.split('\n')[0]).toBe(`## ❌ RLS matrix failed: ${run.results.length} cells as expected, 1 lint finding at or above --fail-on`);
    expect(md).toContain('**Lints:** 1 error, 2 warnings, 1 info, 1 waived — 1 fails the run (--fail-on)');
    expect(md).toContain('| ✘ error (fails) | `rls-disabled-in-public`');
    expect(md).toContain('| ⚠ warn | `multiple-permissive-policies`');
  });

  it('has one coverage line: counts, tables no matrix names, personas that never act', () => {
    const md = render(makeSampleRun());
    const line = md.split('\n').find((l) => l.startsWith('**Coverage:**'))!;
    expect(line).toBe(
      '**Coverage:** 72 table × persona × operation combinations: 32 stated (44%), 13 defaulted (18%), 27 untested (38%) · tables no matrix names (1): public.audit\\_log · personas that never act (1): auditor',
    );
  });

  it('caps the coverage lists', () => {
    const run = makeSampleRun();
    const tables = Array.from({ length: 25 }, (_, i) => `public.t${String(i).padStart(2, '0')}`);
    run.meta.coverage = makeCoverage(
      tables,
      ['alice'],
      () => 'untested',
      () => false,
    );
    const line = render(run)
      .split('\n')
      .find((l) => l.startsWith('**Coverage:**'))!;
    expect(line).toContain('tables no matrix names (25): public.t00, public.t01');
    expect(line).toContain('public.t09 and 15 more');
    expect(line).not.toContain('public.t10');
  });

  it('has no lint or coverage line for a run that did neither', () => {
    const run = makeSampleRun();
    delete run.meta.lint;
    delete run.meta.coverage;
    const md = render(run);
    expect(md).not.toContain('**Lints:**');
    expect(md).not.toContain('**Coverage:**');
  });
});
