import type { XMLBuilder } from 'fast-xml-parser';
import { type CellResult, countFindings, knownReason, type LintFinding, type RunMeta, verdictText } from '../core/index.js';
import { type ArtifactWriter, type AssembleContext, emptyCounts, tally } from './artifact.js';
import { failingFindingSet, orderedFindings } from './findings.js';
import { attributionLines } from './attribution.js';
import { cellTitle, errorText, exchangeText, executorText, fidelityText, locationText, mismatchText, observedWithSymbol, relativePath, rowsPhrase } from './format.js';
import { createXmlBuilder, startTag, XML_DECLARATION, xmlAttr, xmlText } from './xml.js';

/** File name of the JUnit report inside the report directory. */
export const JUNIT_FILE = 'junit.xml';

type XmlNode = Record<string, unknown>;

/**
 * The JUnit XML writer: a `<testsuite>` per table (classname = table), a `<testcase>` per cell named
 * for a human, `<failure>` for a mismatch, `<error>` for an errored or vacuous cell, `<skipped>` for a
 * known gap, and the run's provenance, lint counts and coverage counts as `<properties>` of every suite
 * (where the Ant schema that Jenkins, GitLab, GitHub and Azure read puts them).
 *
 * A run that linted adds a suite {@link LINT_SUITE} with a testcase per finding: `<failure>` for a
 * finding `--fail-on` counted, `<skipped>` for a waived one, otherwise a passing testcase whose
 * `<system-out>` says what was found (findings are informational unless `--fail-on` makes them count).
 *
 * Results must arrive grouped by table; one table's testcases are held at a time.
 *
 * @example
 * ```ts
 * const xml = renderArtifact(createJunitWriter(), ctx, results);
 * ```
 */
export function createJunitWriter(): ArtifactWriter {
  const builder = createXmlBuilder();
  let ctx: AssembleContext | undefined;
  let table: string | undefined;
  let cases: { node: XmlNode; result: Pick<CellResult, 'status' | 'durationMs'> }[] = [];

  const flush = (): string => {
    if (table === undefined || !ctx) return '';
    const text = buildSuite(builder, table, cases, ctx);
    table = undefined;
    cases = [];
    return text;
  };

  return {
    file: JUNIT_FILE,
    begin(context) {
      ctx = context;
      const { counts, summary, meta } = context;
      // The lints suite counts too: the root's totals are the sums of its suites.
      const lints = lintSuiteCounts(meta.lint, summary);
      return (
        XML_DECLARATION +
        startTag(builder, 'testsuites', {
          name: `rls-matrix: ${meta.matrixName}`,
          tests: counts.total + lints.tests,
          failures: counts.fail + lints.failures,
          errors: counts.error,
          skipped: counts.known + lints.skipped,
          time: seconds(summary.timings.totalMs),
          timestamp: meta.startedAt,
        })
      );
    },
    add(result) {
      const text = result.cell.table === table ? '' : flush();
      table = result.cell.table;
      cases.push({ node: testcase(result, ctx?.cwd ?? process.cwd(), ctx?.meta), result: { status: result.status, durationMs: result.durationMs } });
      return text;
    },
    end() {
      const lints = ctx?.meta.lint ? buildLintSuite(builder, ctx.meta.lint, ctx) : '';
      return `${flush()}${lints}</testsuites>\n`;
    },
  };
}

function buildSuite(builder: XMLBuilder, table: string, cases: { node: XmlNode; result: Pick<CellResult, 'status' | 'durationMs'> }[], ctx: AssembleContext): string {
  const counts = emptyCounts();
  let ms = 0;
  for (const { result } of cases) {
    tally(counts, result.status);
    ms += result.durationMs;
  }
  const suite: XmlNode = {
    '@_name': xmlAttr(table),
    '@_tests': counts.total,
    '@_failures': counts.fail,
    '@_errors': counts.error,
    '@_skipped': counts.known,
    '@_time': seconds(ms),
    '@_timestamp': xmlAttr(ctx.meta.startedAt),
    properties: { property: runProperties(ctx.meta, ctx.summary.finishedAt, ctx.cwd) },
    testcase: cases.map((c) => c.node),
  };
  return builder.build({ testsuite: suite }) as string;
}

/** Provenance of the run, as `<property name value>` pairs. */
function runProperties(meta: Readonly<RunMeta>, finishedAt: string, cwd: string): XmlNode[] {
  const pairs: [string, string | undefined][] = [
    ['rls-matrix.version', meta.tool.version],
    ['matrix.name', meta.matrixName],
    ['matrix.files', meta.matrixFiles.map((f) => relativePath(f, cwd)).join(', ')],
    ['schema.fingerprint', meta.schemaFingerprint],
    ['postgres.version', meta.postgresVersion],
    ['provider', meta.provider],
    ['executor', meta.executor],
    ['git.commit', meta.gitCommit],
    ['run.actor', meta.actor],
    ['run.ciUrl', meta.ciRunUrl],
    ['run.startedAt', meta.startedAt],
    ['run.finishedAt', finishedAt],
    ['run.workers', String(meta.workers)],
    ...lintAndCoverage(meta),
  ];
  return pairs.filter((p): p is [string, string] => p[1] !== undefined).map(([name, value]) => ({ '@_name': name, '@_value': xmlAttr(value, 4000) }));
}

function lintAndCoverage(meta: Readonly<RunMeta>): [string, string | undefined][] {
  const lint = meta.lint && countFindings(meta.lint);
  const coverage = meta.coverage?.counts;
  return [
    ['lint.errors', lint && String(lint.error)],
    ['lint.warnings', lint && String(lint.warn)],
    ['lint.info', lint && String(lint.info)],
    ['lint.waived', lint && String(lint.waived)],
    ['coverage.stated', coverage && String(coverage.stated)],
    ['coverage.defaulted', coverage && String(coverage.defaulted)],
    ['coverage.untested', coverage && String(coverage.untested)],
  ];
}

/** Name (and classname) of the suite that holds one testcase per lint finding. */
export const LINT_SUITE = 'rls-matrix lints';

function lintSuiteCounts(findings: readonly LintFinding[] | undefined, summary: AssembleContext['summary']): { tests: number; failures: number; skipped: number } {
  if (!findings) return { tests: 0, failures: 0, skipped: 0 };
  return { tests: findings.length, failures: failingFindingSet(findings, summary).size, skipped: findings.filter((f) => f.waived).length };
}

function buildLintSuite(builder: XMLBuilder, findings: readonly LintFinding[], ctx: AssembleContext): string {
  const failing = failingFindingSet(findings, ctx.summary);
  const counts = lintSuiteCounts(findings, ctx.summary);
  const suite: XmlNode = {
    '@_name': LINT_SUITE,
    '@_tests': counts.tests,
    '@_failures': counts.failures,
    '@_errors': 0,
    '@_skipped': counts.skipped,
    '@_time': seconds(0),
    '@_timestamp': xmlAttr(ctx.meta.startedAt),
    properties: { property: runProperties(ctx.meta, ctx.summary.finishedAt, ctx.cwd) },
    testcase: orderedFindings(findings).map((f) => lintTestcase(f, failing.has(f), ctx.cwd)),
  };
  return builder.build({ testsuite: suite }) as string;
}

function lintTestcase(f: LintFinding, fails: boolean, cwd: string): XmlNode {
  const node: XmlNode = { '@_name': xmlAttr(`${f.id}: ${f.object}${f.policy ? ` (policy ${f.policy})` : ''}`), '@_classname': LINT_SUITE, '@_time': seconds(0) };
  if (f.waived) {
    node['@_file'] = xmlAttr(relativePath(f.waived.source.file, cwd));
    if (f.waived.source.line !== undefined) node['@_line'] = f.waived.source.line;
  }
  const text = lintDetails(f, cwd);
  if (f.waived) node.skipped = { '@_message': xmlAttr(`waived: ${f.waived.reason}`) };
  if (fails) node.failure = { '@_message': xmlAttr(f.message), '@_type': `lint-${f.severity}`, '#text': text };
  else node['system-out'] = text;
  return node;
}

/** What a lint finding says, for a `<failure>` body or `<system-out>`. */
function lintDetails(f: LintFinding, cwd: string): string {
  const lines = [`severity: ${f.severity}${f.waived ? ' (waived)' : ''}`, `object:   ${f.object} (${f.objectType})`];
  if (f.policy) lines.push(`policy:   ${f.policy}`);
  if (f.matrix) lines.push(`matrix:   ${relativePath(f.matrix, cwd)}`);
  lines.push(`message:  ${f.message}`);
  if (f.waived) lines.push(`waived:   ${f.waived.reason} (${locationText(f.waived.source, cwd)})`);
  lines.push(`why:      ${f.why}`, 'fix:', f.fix);
  return xmlText(lines.join('\n'));
}

function testcase(result: Readonly<CellResult>, cwd: string, meta: Pick<RunMeta, 'policies' | 'matrixFiles'> | undefined): XmlNode {
  const { cell } = result;
  const node: XmlNode = {
    '@_name': xmlAttr(cellTitle(cell)),
    '@_classname': xmlAttr(cell.table),
    '@_time': seconds(result.durationMs),
    '@_file': xmlAttr(relativePath(cell.source.file, cwd)),
  };
  if (cell.source.line !== undefined) node['@_line'] = cell.source.line;
  switch (result.status) {
    case 'fail':
      node.failure = { '@_message': xmlAttr(mismatchText(result)), '@_type': 'mismatch', '#text': details(result, cwd, meta) };
      break;
    case 'error':
      node.error = { '@_message': xmlAttr(errorText(result)), '@_type': result.outcome.vacuous ? 'vacuous' : result.outcome.error ? 'database-error' : 'error', '#text': details(result, cwd, meta) };
      break;
    case 'known':
      node.skipped = { '@_message': xmlAttr(`known gap: ${knownReason(cell.expected) ?? 'accepted'} (observed ${observedWithSymbol(result.outcome)})`) };
      break;
    case 'pass':
      // A cell the API could not take says how it ran instead (storage, no primary key…).
      if (result.via?.executor === 'sql') node['system-out'] = xmlText(`executor: ${executorText(result)}`);
      break;
  }
  return node;
}

/** The body of a `<failure>` or `<error>`: everything needed to reproduce the cell. */
function details(result: Readonly<CellResult>, cwd: string, meta: Pick<RunMeta, 'policies' | 'matrixFiles'> = { matrixFiles: [] }): string {
  const { cell, outcome } = result;
  const lines = [
    `expected: ${verdictText(cell.expected)}`,
    `observed: ${observedWithSymbol(outcome)} (${rowsPhrase(result)})`,
    `persona:  ${cell.persona} (role ${result.role})`,
    `scope:    ${cell.scope ?? '(whole table)'}`,
  ];
  if (outcome.error) {
    lines.push(`SQLSTATE: ${outcome.error.sqlstate}`, `message:  ${outcome.error.message}`);
    for (const key of ['detail', 'hint', 'table', 'constraint'] as const) {
      const value = outcome.error[key];
      if (value !== undefined) lines.push(`${`${key}:`.padEnd(9)} ${value}`);
    }
  }
  if (outcome.reason) lines.push(`reason:   ${outcome.reason}`);
  const executor = executorText(result);
  if (executor) lines.push(`executor: ${executor}`);
  lines.push(`source:   ${locationText(cell.source, cwd)}`, `cell:     ${cell.id}`, ...attributionLines(meta, result), 'SQL:', result.sql);
  if (result.replay) lines.push('replay (paste into psql):', result.replay);
  if (result.fidelity) {
    const { sql, postgrest } = result.fidelity;
    lines.push('', fidelityText(result.fidelity), `SQL executor: ${observedWithSymbol(sql.outcome)}${sql.outcome.error ? ` ${sql.outcome.error.sqlstate} ${sql.outcome.error.message}` : ''}`);
    lines.push(`PostgREST: ${observedWithSymbol(postgrest.outcome)}${postgrest.outcome.error ? ` ${postgrest.outcome.error.sqlstate} ${postgrest.outcome.error.message}` : ''}`);
    if (postgrest.exchange) lines.push('request and answer:', exchangeText(postgrest.exchange));
  } else if (result.via?.executor === 'postgrest' && result.via.exchange) lines.push('request and answer:', exchangeText(result.via.exchange));
  return xmlText(lines.join('\n'));
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}
