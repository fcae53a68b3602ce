import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verdictText, type Reporter } from '../../core/index.js';
import { cellTitle, errorText, formatMs, mismatchText, observedWithSymbol, relativePath } from '../../reports/format.js';
import { REPORTER_NAMES, ReportError, createReporters, readResultsFile, verifyReport, writeReports, type ReporterName } from '../../reports/index.js';
import { makeLargeRun, makeSampleRun } from '../fixtures/results-sample.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'rls-index-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('createReporters', () => {
  it('writes the chosen formats and the manifest last, and lists them', async () => {
    const run = makeSampleRun();
    const outDir = path.join(root, 'chosen');
    const { files } = await writeReports(run.meta, run.results, run.summary, { outDir, reporters: ['markdown', 'junit'] });
    expect(files.map((f) => path.basename(f))).toEqual(['summary.md', 'junit.xml', 'manifest.json']);
    expect((await readdir(outDir)).sort()).toEqual(['junit.xml', 'manifest.json', 'summary.md']);
    expect(REPORTER_NAMES).toEqual(['junit', 'json', 'html', 'markdown']);
  });

  it('spools results to disk while the run goes on, in a private folder beside the report, and removes the spool at the end', async () => {
    const run = makeSampleRun();
    const outDir = path.join(root, 'spool');
    const reports = createReporters({ outDir, reporters: ['json'] });
    await reports.onRunStart(run.meta);
    for (const r of run.results) await reports.onCellResult(r);
    // Before the end there is no report folder, only the run's lock and private folder beside it.
    const beside = (await readdir(root)).filter((f) => f.startsWith('.spool.')).sort();
    expect(beside).toEqual([expect.stringMatching(/^\.spool\.rls-matrix-.{6}$/), '.spool.rls-matrix.lock']);
    const staging = path.join(root, beside[0]!);
    const during = await readdir(staging);
    const spool = during.find((f) => f.endsWith('.ndjson'));
    expect(spool).toBeDefined();
    // Nothing but the spool exists before the end; it has one line per result written so far.
    expect(during).toEqual([spool]);
    await expect.poll(async () => (await readFile(path.join(staging, spool!), 'utf8')).trim().split('\n').length).toBe(run.results.length);
    await reports.onRunEnd(run.summary);
    expect((await readdir(root)).filter((f) => f.startsWith('.spool.'))).toEqual([]);
    expect((await readdir(outDir)).sort()).toEqual(['manifest.json', 'results.json']);
    expect(reports.files).toHaveLength(2);
    expect(reports.manifest?.counts).toEqual(run.summary.counts);
  });

  it('keeps every result when results arrive concurrently', async () => {
    const run = makeLargeRun(3000);
    const outDir = path.join(root, 'concurrent');
    const reports = createReporters({ outDir, reporters: ['json', 'junit', 'html', 'markdown'] });
    await reports.onRunStart(run.meta);
    await Promise.all(run.results.map((r) => reports.onCellResult(r)));
    await reports.onRunEnd(run.summary);
    const file = await readResultsFile(path.join(outDir, 'results.json'));
    expect(new Set(file.results.map((r) => r.cell.id)).size).toBe(3000);
    expect((await verifyReport(outDir)).artifacts.ok).toHaveLength(4);
  });

  it('fans every hook out to extra reporters, in order', async () => {
    const run = makeSampleRun();
    const seen: string[] = [];
    const extra: Reporter = {
      onRunStart: (meta) => void seen.push(`start ${meta.matrixName}`),
      onCellResult: (r) => void seen.push(r.cell.id),
      onRunEnd: (s) => void seen.push(`end ${s.exitCode}`),
    };
    await writeReports(run.meta, run.results, run.summary, { outDir: path.join(root, 'extra'), reporters: [], extra: [extra] });
    expect(seen).toEqual([`start ${run.meta.matrixName}`, ...run.results.map((r) => r.cell.id), 'end 1']);
  });

  it('removes a previous run’s artifacts so a report never mixes two runs', async () => {
    const run = makeSampleRun();
    const outDir = path.join(root, 'stale');
    await mkdir(outDir, { recursive: true });
    await writeFile(path.join(outDir, 'report.html'), 'old');
    await writeFile(path.join(outDir, 'manifest.sig'), 'old');
    await writeReports(run.meta, run.results, run.summary, { outDir, reporters: ['json'] });
    expect((await readdir(outDir)).sort()).toEqual(['manifest.json', 'results.json']);
    expect((await verifyReport(outDir)).ok).toBe(true);
  });

  it('accepts async iterables in writeReports', async () => {
    const run = makeSampleRun();
    async function* stream() {
      for (const r of run.results) yield r;
    }
    const { manifest } = await writeReports(run.meta, stream(), run.summary, { outDir: path.join(root, 'async'), reporters: ['json'] });
    expect(manifest.counts.total).toBe(run.results.length);
  });

  it('refuses unknown reporters and hooks out of order with a coded ReportError', async () => {
    expect(() => createReporters({ outDir: root, reporters: ['junit', 'pdf' as ReporterName] })).toThrow(expect.objectContaining({ code: 'ERR_REPORT_UNKNOWN_REPORTER' }) as Error);
    const run = makeSampleRun();
    const reports = createReporters({ outDir: path.join(root, 'order') });
    await expect(reports.onCellResult(run.results[0]!)).rejects.toMatchObject({ code: 'ERR_REPORT_STATE' });
    await expect(reports.onRunEnd(run.summary)).rejects.toBeInstanceOf(ReportError);
  });

  it('abort() deletes everything a run that never ends wrote, and frees the folder', async () => {
    const run = makeSampleRun();
    const outDir = path.join(root, 'abort');
    const reports = createReporters({ outDir });
    await reports.onRunStart(run.meta);
    await reports.onCellResult(run.results[0]!);
    await reports.abort();
    expect((await readdir(root)).filter((f) => f === 'abort' || f.startsWith('.abort.'))).toEqual([]);
    await writeReports(run.meta, run.results, run.summary, { outDir, reporters: ['json'] });
    expect((await verifyReport(outDir)).ok).toBe(true);
  });
});

describe('wording shared by the reports', () => {
  const { results } = makeSampleRun();
  const byId = (id: string) => results.find((r) => r.cell.id === id)!;

  it('names verdicts, cells and outcomes', () => {
    expect(verdictText('allow')).toBe('allow');
    expect(verdictText({ refused: 'P0001' })).toBe('refused P0001');
    expect(verdictText({ known: 'why', verdict: { refused: '42501' } })).toBe('refused 42501');
    expect(cellTitle(byId('public.content_projects/anon/select/*').cell)).toBe('anon · select · (table) → expected deny');
    expect(observedWithSymbol(byId('public.content_projects/carol/select/own').outcome)).toBe('○ vacuous');
    expect(observedWithSymbol(byId('public.content_projects/anon/select/*').outcome)).toBe('⊘ denied:privilege');
    expect(mismatchText(byId('public.content_projects/bob/delete/others'))).toBe('expected deny, observed allowed (3 of 3 rows affected)');
    expect(errorText(byId('public.content_projects/alice/insert/own'))).toMatch(/^23502: null value/);
  });

  it('formats durations and paths', () => {
    expect(formatMs(850)).toBe('850 ms');
    expect(formatMs(1234)).toBe('1.23 s');
    expect(formatMs(125_000)).toBe('2 min 05 s');
    expect(relativePath('/work/p/matrix.yaml', '/work/p')).toBe('matrix.yaml');
    expect(relativePath('/elsewhere/matrix.yaml', '/work/p')).toBe('/elsewhere/matrix.yaml');
  });
});
