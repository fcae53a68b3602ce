import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderArtifact, type AssembleContext } from '../../reports/artifact.js';
import { writeReports } from '../../reports/index.js';
import { LINT_SUITE, createJunitWriter } from '../../reports/junit.js';
import { xmlAttr, xmlText } from '../../reports/xml.js';
import { WAIVER_REASON, expectedCounts, expectedCoverage, expectedLint, makeSampleRun, type SampleRun } from '../fixtures/results-sample.js';

// biome-ignore lint/suspicious/noExplicitAny: fast-xml-parser's output is walked by attribute names the tests know
type Node = Record<string, any>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name),
});

describe('junit.xml', () => {
  let dir: string;
  let xml: string;
  let doc: Node;
  const run = makeSampleRun();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rls-junit-'));
    // Completion order, not report order: the writer must still group by table.
    const shuffled = [...run.results].reverse();
    await writeReports(run.meta, shuffled, run.summary, { outDir: dir, reporters: ['junit'] });
    xml = await readFile(path.join(dir, 'junit.xml'), 'utf8');
    doc = parser.parse(xml) as Node;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const suites = (): Node[] => doc.testsuites.testsuite as Node[];
  const cases = (): Node[] => suites().flatMap((s) => s.testcase as Node[]);
  const byName = (name: string): Node => {
    const found = cases().find((c) => c['@_name'] === name);
    if (!found)
      throw new Error(
        `no testcase '${name}' in ${cases()
          .map((c) => c['@_name'])
          .join('\n')}`,
      );
    return found;
  };

  it('is well-formed XML 1.0 with a declaration', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n')).toBe(true);
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('counts tests, failures, errors and skipped on testsuites and on every suite, lints included', () => {
    const root = doc.testsuites as Node;
    expect(root['@_tests']).toBe(String(expectedCounts.total + expectedLint.total));
    expect(root['@_failures']).toBe(String(expectedCounts.fail));
    expect(root['@_errors']).toBe(String(expectedCounts.error));
    expect(root['@_skipped']).toBe(String(expectedCounts.known + expectedLint.waived));
    expect(root['@_time']).toBe('3.600');
    expectConsistentCounts(doc);
    const cellSuites = suites().filter((s) => s['@_name'] !== LINT_SUITE);
    for (const suite of cellSuites) expect(Number(suite['@_time'])).toBeGreaterThan(0);
    expect(cellSuites.reduce((n, s) => n + (s.testcase as Node[]).length, 0)).toBe(expectedCounts.total);
  });

  it('has one testsuite per table, classname = table, even when results arrive interleaved, then the lints suite', () => {
    expect(suites().map((s) => s['@_name'])).toEqual(['public.content_projects', 'public.profiles', LINT_SUITE]);
    for (const suite of suites()) for (const tc of suite.testcase as Node[]) expect(tc['@_classname']).toBe(suite['@_name']);
  });

  it('carries lint and coverage counts as properties of every suite', () => {
    for (const suite of suites()) {
      const props = Object.fromEntries((suite.properties.property as Node[]).map((p) => [p['@_name'], p['@_value']]));
      expect(props).toMatchObject({
        'lint.errors': String(expectedLint.error),
        'lint.warnings': String(expectedLint.warn),
        'lint.waived': String(expectedLint.waived),
        'coverage.stated': String(expectedCoverage.stated),
        'coverage.defaulted': String(expectedCoverage.defaulted),
        'coverage.untested': String(expectedCoverage.untested),
      });
    }
  });

  it('has a testcase per lint finding: informational without --fail-on, the waived one skipped with its reason', () => {
    const lints = suites().find((s) => s['@_name'] === LINT_SUITE)!;
    const tc = lints.testcase as Node[];
    expect(tc).toHaveLength(expectedLint.total);
    expect(tc.filter((c) => c.failure !== undefined)).toEqual([]);
    const waived = tc.filter((c) => c.skipped !== undefined);
    expect(waived.map((c) => c['@_name'])).toEqual(['rls-policy-always-true: public.tags (policy anyone writes)']);
    expect(waived[0]!.skipped['@_message']).toBe(`waived: ${WAIVER_REASON}`);
    expect(waived[0]!['@_file']).toBe('examples/sample/matrix.yaml');
    const error = tc.find((c) => c['@_name'] === 'rls-disabled-in-public: public.audit_log')!;
    expect(error['system-out']).toContain('severity: error');
    expect(error['system-out']).toContain('alter table public.audit_log enable row level security;');
    // Unwaived findings come first, most severe first.
    expect(tc.map((c) => (c['system-out'] as string).split('\n')[0])).toEqual(['severity: error', 'severity: warn', 'severity: warn', 'severity: info', 'severity: error (waived)']);
  });

  it('names testcases for a human: scoped, whole-table and named-case cells', () => {
    expect(byName('alice · update · own → expected allow')).toBeDefined();
    expect(byName('anon · select · (table) → expected deny')).toBeDefined();
    expect(byName('alice · rename (update) · own → expected allow')).toBeDefined();
    expect(byName('bob · promote (update) · own → expected refused P0001')).toBeDefined();
    expect(byName('alice · promote (update) · own → expected deny (known gap)')).toBeDefined();
    const tc = byName('alice · select · own → expected allow');
    expect(tc['@_file']).toBe('examples/sample/matrix.yaml');
    expect(tc['@_line']).toBe('31');
  });

  it('passing cells of every class have no failure, error or skipped child', () => {
    for (const name of [
      'alice · select · own → expected allow', // allowed
      'alice · select · others → expected deny', // filtered
      'alice · insert · others → expected deny', // denied:policy
      'anon · select · (table) → expected deny', // denied:privilege
      'bob · upsert · others → expected deny',
    ]) {
      const tc = byName(name);
      expect([tc.failure, tc.error, tc.skipped]).toEqual([undefined, undefined, undefined]);
    }
  });

  it('a mismatch is a <failure> with expected vs observed, rows vs target and the SQL', () => {
    const partial = byName('alice · update · own → expected allow').failure as Node;
    expect(partial['@_type']).toBe('mismatch');
    expect(partial['@_message']).toBe('expected allow, observed partial (2 of 3 rows affected)');
    expect(partial['#text']).toContain('observed: ≈ partial (2 of 3 rows affected)');
    expect(partial['#text']).toContain('UPDATE public.content_projects SET title = title WHERE id IN ($1, $2, $3)');
    expect(partial['#text']).toContain('source:   examples/sample/matrix.yaml:33:7');

    const leak = byName('bob · delete · others → expected deny').failure as Node;
    expect(leak['@_message']).toContain('observed allowed (3 of 3 rows affected)');
  });

  it('an errored cell is an <error> with SQLSTATE and message; a vacuous cell says so', () => {
    const db = byName('alice · insert · own → expected allow').error as Node;
    expect(db['@_type']).toBe('database-error');
    expect(db['@_message']).toMatch(/^23502: null value in column "title"/);
    expect(db['#text']).toContain('SQLSTATE: 23502');
    expect(db['#text']).toContain('constraint: content_projects_title_not_null');
    expect(db['#text']).toContain('INSERT INTO public.content_projects (creator_mind_id) VALUES ($1)');

    const vacuous = byName('carol · select · own → expected allow').error as Node;
    expect(vacuous['@_type']).toBe('vacuous');
    expect(vacuous['@_message']).toContain("vacuous cell: scope 'own' matches no row");
  });

  it('a known gap is <skipped> with its reason', () => {
    const skipped = byName('alice · promote (update) · own → expected deny (known gap)').skipped as Node;
    expect(skipped['@_message']).toBe('known gap: role column is guarded by a trigger added in #123 (observed ✓ allowed)');
  });

  it('carries provenance as properties of every suite', () => {
    for (const suite of suites()) {
      const props = Object.fromEntries((suite.properties.property as Node[]).map((p) => [p['@_name'], p['@_value']]));
      expect(props).toMatchObject({
        'matrix.name': 'CreatorOS content isolation',
        'matrix.files': 'examples/sample/matrix.yaml',
        'schema.fingerprint': run.meta.schemaFingerprint,
        'postgres.version': '17.6',
        provider: 'embedded',
        'git.commit': run.meta.gitCommit,
        'rls-matrix.version': '0.1.0',
      });
    }
  });

  it('escapes markup and spells out control characters like every other report, keeping the rest of the text', () => {
    const failure = byName('alice · update · others → expected refused').failure as Node;
    const text = failure['#text'] as string;
    expect(text).toContain(`'</script><script>window.__pwned = 1</script><img src="https://evil.example/x.png"`);
    expect(text).toContain('| `tick` & "quote" \'apos\' ]]> \\x07bell \\x00nul');
    expect(text).not.toMatch(/[\u0000\u0007]/);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  });
});

/** Every suite's counts match its testcases, and the root's are the sums of its suites'. */
function expectConsistentCounts(doc: Node): void {
  const root = doc.testsuites as Node;
  const all = [root.testsuite as Node[]].flat();
  const sum = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const suite of all) {
    const tc = (suite.testcase ?? []) as Node[];
    const counts = {
      tests: tc.length,
      failures: tc.filter((c) => c.failure !== undefined).length,
      errors: tc.filter((c) => c.error !== undefined).length,
      skipped: tc.filter((c) => c.skipped !== undefined).length,
    };
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) {
      expect(Number(suite[`@_${k}`]), `${suite['@_name']} ${k}`).toBe(counts[k]);
      sum[k] += counts[k];
    }
  }
  for (const k of Object.keys(sum) as (keyof typeof sum)[]) expect(Number(root[`@_${k}`]), `testsuites ${k}`).toBe(sum[k]);
}

function renderJunit(run: SampleRun): Node {
  const ctx: AssembleContext = { meta: run.meta, summary: run.summary, counts: run.summary.counts, tables: [], cwd: process.cwd(), generatedAt: new Date(0) };
  const xml = renderArtifact(createJunitWriter(), ctx, run.results);
  expect(XMLValidator.validate(xml)).toBe(true);
  return parser.parse(xml) as Node;
}

describe('junit.xml, lints under --fail-on', () => {
  const lintCases = (doc: Node): Node[] => ([doc.testsuites.testsuite].flat() as Node[]).find((s) => s['@_name'] === LINT_SUITE)!.testcase as Node[];

  it('makes the unwaived error a <failure> when --fail-on error counted it', () => {
    const run = makeSampleRun();
    run.summary.lintFailures = 1;
    run.summary.lintFailOn = 'error';
    const doc = renderJunit(run);
    const failing = lintCases(doc).filter((c) => c.failure !== undefined);
    expect(failing.map((c) => c['@_name'])).toEqual(['rls-disabled-in-public: public.audit_log']);
    expect(failing[0]!.failure['@_type']).toBe('lint-error');
    expect(failing[0]!.failure['@_message']).toBe('table public.audit_log is in an exposed schema, but RLS is not enabled');
    expect(failing[0]!.failure['#text']).toContain('fix:\nalter table public.audit_log enable row level security;');
    expect(doc.testsuites['@_failures']).toBe(String(expectedCounts.fail + 1));
    expectConsistentCounts(doc);
  });

  it('fails the warnings too when --fail-on warn counted them, and never the waived error', () => {
    const run = makeSampleRun();
    run.summary.lintFailures = expectedLint.error + expectedLint.warn;
    run.summary.lintFailOn = 'warn';
    const doc = renderJunit(run);
    const cases = lintCases(doc);
    expect(cases.filter((c) => c.failure !== undefined).map((c) => c.failure['@_type'])).toEqual(['lint-error', 'lint-warn', 'lint-warn']);
    const waived = cases.find((c) => c.skipped !== undefined)!;
    expect(waived.failure).toBeUndefined();
    expect(doc.testsuites['@_failures']).toBe(String(expectedCounts.fail + 3));
    expectConsistentCounts(doc);
  });

  it('writes no lints suite and no lint or coverage property for a run that did neither', () => {
    const run = makeSampleRun();
    delete run.meta.lint;
    delete run.meta.coverage;
    const doc = renderJunit(run);
    const all = [doc.testsuites.testsuite].flat() as Node[];
    expect(all.map((s) => s['@_name'])).toEqual(['public.content_projects', 'public.profiles']);
    const names = (all[0]!.properties.property as Node[]).map((p) => p['@_name'] as string);
    expect(names.filter((n) => n.startsWith('lint.') || n.startsWith('coverage.'))).toEqual([]);
    expect(doc.testsuites['@_tests']).toBe(String(expectedCounts.total));
    expectConsistentCounts(doc);
  });

  it('keeps a lints suite with no testcase for a run that linted clean', () => {
    const run = makeSampleRun();
    run.meta.lint = [];
    const doc = renderJunit(run);
    const lints = ([doc.testsuites.testsuite].flat() as Node[]).find((s) => s['@_name'] === LINT_SUITE)!;
    expect(lints['@_tests']).toBe('0');
    expectConsistentCounts(doc);
  });
});

describe('XML text helpers', () => {
  it('spells out control characters (CR too) and bidi overrides, strips lone surrogates and U+FFFE/FFFF; keeps tabs, newlines and astral characters', () => {
    expect(xmlText('a\u0000b\u0001c\u001Fd\tE\nF\rG\u202eH')).toBe('a\\x00b\\x01c\\x1fd\tE\nF\\x0dG\\u202eH');
    expect(xmlText('x\uD800y\uDFFFz\uFFFE\uFFFF')).toBe('xyz');
    expect(xmlText('policy 🔒 ok')).toBe('policy 🔒 ok');
  });

  it('flattens and bounds attribute text', () => {
    expect(xmlAttr('a\n  b\tc')).toBe('a b c');
    expect(xmlAttr('x'.repeat(50), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('writes an attribute whose value is "true" as a real attribute', () => {
    const run = makeSampleRun();
    run.meta.matrixName = 'true';
    const ctx: AssembleContext = { meta: run.meta, summary: run.summary, counts: run.summary.counts, tables: [], cwd: process.cwd(), generatedAt: new Date(0) };
    const xml = renderArtifact(createJunitWriter(), ctx, run.results.slice(0, 1));
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<property name="matrix.name" value="true"/>');
  });
});
