import { describe, expect, it } from 'vitest';
import type { CellResult, LintOutcome } from '../../core/index.js';
import { consoleReporter } from '../../reports/console.js';
import { lintConsoleText, runLintSummary } from '../../reports/console-lint.js';
import { verifyConsoleText } from '../../reports/console-verify.js';
import { cellTitle, setupText } from '../../reports/format.js';
import { painter } from '../../reports/terminal.js';
import { makeSampleRun, WAIVER_REASON } from '../fixtures/results-sample.js';

// The console is one of the reports: it words verdicts, lints, coverage and timings as they do.

const plain = painter(false);

describe('the console reporter', () => {
  it('words an expected verdict as every report does, a known gap included', async () => {
    const run = makeSampleRun();
    const known = run.results.find((r) => typeof r.cell.expected === 'object' && 'known' in r.cell.expected)!;
    const written: string[] = [];
    const reporter = consoleReporter({ write: (t) => written.push(t), color: false, quiet: false, progress: false });
    await reporter.onRunStart?.(run.meta);
    const failed: CellResult = { ...known, status: 'fail' };
    await reporter.onCellResult?.(failed);
    expect(written[1]).toContain('→ expected deny (known gap), observed');
    expect(cellTitle(known.cell)).toContain('→ expected deny (known gap)');
  });

  it('ends with the lint and coverage lines of the reports, then the counts and the setup timings', async () => {
    const run = makeSampleRun();
    const written: string[] = [];
    const reporter = consoleReporter({ write: (t) => written.push(t), color: false, quiet: true, progress: false });
    await reporter.onRunStart?.(run.meta);
    await reporter.onRunEnd?.(run.summary);
    const text = written.join('');
    expect(text).toContain('lint: 1 error, 2 warnings, 1 info, 1 waived (rls-matrix lint shows why and how to fix)\n');
    expect(text).toContain('coverage: 72 table × persona × operation combinations: 32 stated (44%), 13 defaulted (18%), 27 untested (38%)');
    expect(text).toContain(`FAIL 16 cells: 10 passed, 3 failed, 2 errors, 1 known gaps\n     setup ${setupText(run.summary.timings, (ms) => `${(ms / 1000).toFixed(2)} s`)} · execution`);
    expect(runLintSummary(run.meta, run.summary, plain, true)).toBe(text.slice(0, text.indexOf('FAIL')));
  });
});

describe('rls-matrix lint on the console', () => {
  const outcome: LintOutcome = {
    findings: makeSampleRun().meta.lint!,
    unusedWaivers: [{ lint: 'rls-enabled-no-policy', object: 'public.gone', reason: 'old', source: { file: '/elsewhere/rls-matrix.yaml', line: 40, column: 5 } }],
    matrixName: 'lms',
    provider: 'embedded',
    postgresVersion: '18.0',
  };

  it('groups findings by lint with why and fix, shows waivers with their reason, unused waivers, and the verdict at --fail-on', () => {
    const text = lintConsoleText(outcome, { failOn: 'error', quiet: false, titles: {}, paint: plain });
    expect(text.startsWith('rls-matrix lint · lms · embedded PostgreSQL 18.0 · 0 lints\n')).toBe(true);
    expect(text).toContain(`      waived: ${WAIVER_REASON}`);
    expect(text).toContain('~ unused  waiver for rls-enabled-no-policy on public.gone at /elsewhere/rls-matrix.yaml:40:5 matches no finding (remove it?)\n');
    expect(text.endsWith('FAIL lint: 1 error, 2 warnings, 1 info, 1 waived · 1 at or above --fail-on error\n')).toBe(true);
    expect(lintConsoleText(outcome, { failOn: 'none', quiet: true, titles: {}, paint: plain })).toBe(
      '~ unused  waiver for rls-enabled-no-policy on public.gone at /elsewhere/rls-matrix.yaml:40:5 matches no finding (remove it?)\nPASS lint: 1 error, 2 warnings, 1 info, 1 waived · findings are informational (--fail-on none)\n',
    );
  });
});

describe('rls-matrix verify on the console', () => {
  it('says intact in one line, or lists each problem', () => {
    expect(verifyConsoleText('out', { ok: true, problems: [], reportIntact: true, signature: { status: 'unsigned' } })).toBe('✓ out: every artifact and source matches the manifest; not signed\n');
    const altered = verifyConsoleText('out', { ok: false, problems: [{ kind: 'altered source', path: 'schema.sql', message: 'sha256 differs' }], reportIntact: true, signature: { status: 'valid' } });
    expect(altered).toBe('✗ out: 1 problem; signature valid\n  altered source: schema.sql — sha256 differs\n  (the report itself is intact: only sources it was made from have changed since)\n');
  });
});
