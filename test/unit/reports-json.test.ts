import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportError, readResultsFile, writeReports, type ResultsFile } from '../../reports/index.js';
import { WAIVER_REASON, expectedCoverage, makeLargeRun, makeSampleRun } from '../fixtures/results-sample.js';

describe('results.json', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rls-json-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('is versioned, holds meta and summary as given and every result unchanged, in report order', async () => {
    const run = makeSampleRun();
    const out = path.join(dir, 'sample');
    await writeReports(run.meta, [...run.results].reverse(), run.summary, { outDir: out, reporters: ['json'] });
    const text = await readFile(path.join(out, 'results.json'), 'utf8');
    const file = JSON.parse(text) as ResultsFile;
    expect(file.formatVersion).toBe(1);
    expect(file.meta).toEqual(run.meta);
    expect(file.summary).toEqual(run.summary);
    expect(file.results).toHaveLength(run.results.length);
    const byId = new Map(run.results.map((r) => [r.cell.id, r]));
    for (const r of file.results) expect(r).toEqual(byId.get(r.cell.id));
    // Whatever order results arrive in, they come back in one order.
    const shuffledOut = path.join(dir, 'shuffled');
    const shuffled = [...run.results]
      .map((r, i) => ({ r, k: (i * 7919) % 101 }))
      .sort((a, b) => a.k - b.k)
      .map(({ r }) => r);
    await writeReports(run.meta, shuffled, run.summary, { outDir: shuffledOut, reporters: ['json'] });
    const again = JSON.parse(await readFile(path.join(shuffledOut, 'results.json'), 'utf8')) as ResultsFile;
    expect(again.results.map((r) => r.cell.id)).toEqual(file.results.map((r) => r.cell.id));
    // Report order: tables as declared, personas as declared, CRUD order, whole table before scopes.
    expect(file.results.slice(0, 4).map((r) => r.cell.id)).toEqual([
      'public.content_projects/anon/select/*',
      'public.content_projects/alice/select/others',
      'public.content_projects/alice/select/own',
      'public.content_projects/alice/insert/others',
    ]);
    // One result per line, so archives diff well.
    expect(text.split('\n').filter((l) => l.startsWith('{"cell":'))).toHaveLength(run.results.length);
    // Every status and outcome class is represented in the sample and survives the round trip.
    expect(new Set(file.results.map((r) => r.status))).toEqual(new Set(['pass', 'fail', 'error', 'known']));
    expect(new Set(file.results.map((r) => r.outcome.class))).toEqual(new Set(['allowed', 'partial', 'filtered', 'denied:privilege', 'denied:policy', 'error']));
    expect(file.results.some((r) => r.outcome.vacuous)).toBe(true);
  });

  it('gives the same bytes whatever order the results arrived in', async () => {
    const run = makeSampleRun();
    await writeReports(run.meta, run.results, run.summary, { outDir: path.join(dir, 'a'), reporters: ['json'] });
    await writeReports(
      run.meta,
      [...run.results].sort(() => 0.5 - Math.random()),
      run.summary,
      { outDir: path.join(dir, 'b'), reporters: ['json'] },
    );
    expect(await readFile(path.join(dir, 'a', 'results.json'), 'utf8')).toBe(await readFile(path.join(dir, 'b', 'results.json'), 'utf8'));
  });

  it('is read back by readResultsFile', async () => {
    const run = makeLargeRun(1000);
    const out = path.join(dir, 'large');
    await writeReports(run.meta, run.results, run.summary, { outDir: out, reporters: ['json'] });
    const file = await readResultsFile(path.join(out, 'results.json'));
    expect(file.results).toHaveLength(1000);
    expect(file.summary.counts).toEqual(run.summary.counts);
    // The spool file is gone; only the artifact and the manifest remain.
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'results.json']);
  });

  it('keeps lint findings (waived ones with reason and source), coverage and lintFailures as given', async () => {
    const run = makeSampleRun();
    run.summary.lintFailures = 1;
    run.summary.lintFailOn = 'error';
    const out = path.join(dir, 'lint');
    await writeReports(run.meta, run.results, run.summary, { outDir: out, reporters: ['json'] });
    const file = await readResultsFile(path.join(out, 'results.json'));
    expect(file.meta.lint).toEqual(run.meta.lint);
    expect(file.meta.lint?.find((f) => f.waived)?.waived).toEqual({ reason: WAIVER_REASON, source: { file: expect.stringContaining('examples/sample/matrix.yaml'), line: 12, column: 5 } });
    expect(file.meta.coverage).toEqual(run.meta.coverage);
    expect(file.meta.coverage?.counts).toEqual(expectedCoverage);
    expect(file.summary.lintFailures).toBe(1);
    expect(file.summary.lintFailOn).toBe('error');
  });

  it('writes an empty run as valid JSON', async () => {
    const run = makeSampleRun();
    const out = path.join(dir, 'empty');
    await writeReports(run.meta, [], { ...run.summary, counts: { total: 0, pass: 0, fail: 0, error: 0, known: 0 } }, { outDir: out, reporters: ['json'] });
    expect((await readResultsFile(path.join(out, 'results.json'))).results).toEqual([]);
  });

  it('refuses files of another version or shape with ERR_REPORT_RESULTS_FORMAT', async () => {
    const cases: [string, string][] = [
      ['v2.json', JSON.stringify({ formatVersion: 2, meta: {}, summary: {}, results: [] })],
      ['broken.json', '{"formatVersion": 1, '],
      ['shape.json', JSON.stringify({ formatVersion: 1, meta: {}, summary: {}, results: [{ cell: {}, status: 'maybe' }] })],
    ];
    for (const [name, content] of cases) {
      const file = path.join(dir, name);
      await writeFile(file, content);
      const err = await readResultsFile(file).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ReportError);
      expect((err as ReportError).code).toBe('ERR_REPORT_RESULTS_FORMAT');
      expect((err as ReportError).path).toBe(file);
    }
  });
});
