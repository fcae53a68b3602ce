import { type CellResult, knownReason, verdictText } from '../core/index.js';
import { decidingText } from './attribution.js';
import { coverageLine, untestedCombinations, failingFindingSet, lintFailureNote, lintLine, orderedFindings, SEVERITY_MARK } from './findings.js';
import type { ArtifactWriter, AssembleContext } from './artifact.js';
import {
  errorText,
  fidelityText,
  formatCount,
  locationText,
  formatMs,
  observedWithSymbol,
  operationLabel,
  planAlongsideText,
  plural,
  relativePath,
  scopeLabel,
  setupText,
  spellControls,
} from './format.js';
import { mutationMarkdown } from './mutation.js';

/** File name of the Markdown summary inside the report directory. */
export const MARKDOWN_FILE = 'summary.md';

/** Options of the Markdown summary. */
export interface MarkdownOptions {
  /**
   * Most failing or erroring cells listed; the rest are counted ("… and N more").
   * @default 50
   */
  maxRows?: number;
}

const STATUS_MARK = { fail: '✘ fail', error: '⚠ error' } as const;

/**
 * summary.md, for a CI step summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment: one verdict
 * line, the counts, setup and execution timings, provenance, and the failing and erroring cells as a
 * table (capped), with known gaps folded away.
 *
 * @example
 * ```ts
 * const md = renderArtifact(createMarkdownWriter({ maxRows: 20 }), ctx, results);
 * ```
 */
export function createMarkdownWriter(options: MarkdownOptions = {}): ArtifactWriter {
  const maxRows = options.maxRows ?? 50;
  let ctx: AssembleContext | undefined;
  let problems: string[] = [];
  let known: string[] = [];
  let problemCount = 0;
  let knownCount = 0;
  return {
    file: MARKDOWN_FILE,
    begin(context) {
      ctx = context;
      problems = [];
      known = [];
      problemCount = 0;
      knownCount = 0;
      return '';
    },
    add(result) {
      if (result.status === 'fail' || result.status === 'error') {
        problemCount += 1;
        if (problems.length < maxRows) problems.push(problemRow(result, ctx?.cwd ?? process.cwd()));
      } else if (result.status === 'known') {
        knownCount += 1;
        if (known.length < maxRows) known.push(`- ${cellName(result)}: ${cellText(knownReason(result.cell.expected) ?? '')} (observed ${observedWithSymbol(result.outcome)})`);
      }
      return '';
    },
    end() {
      if (!ctx) return '';
      const out = [...header(ctx), ''];
      if (problemCount > 0) {
        out.push(
          '### Failures and errors',
          '',
          '| | table | persona | operation | scope | expected | observed | rows | SQLSTATE / reason | decided by | at |',
          '|---|---|---|---|---|---|---|---:|---|---|---|',
          ...problems,
        );
        if (problemCount > problems.length) out.push('', `_… and ${formatCount(problemCount - problems.length)} more: see report.html or results.json._`);
        out.push('');
      }
      if (knownCount > 0) {
        out.push(`<details><summary>Known gaps (${formatCount(knownCount)})</summary>`, '', ...known);
        if (knownCount > known.length) out.push(`- … and ${formatCount(knownCount - known.length)} more`);
        out.push('', '</details>', '');
      }
      return `${out.join('\n')}\n`;
    },
  };
}

function header({ meta, summary, counts, cwd }: AssembleContext): string[] {
  const failed = counts.fail + counts.error;
  const knownNote = counts.known > 0 ? `, ${formatCount(counts.known)} known gap${counts.known === 1 ? '' : 's'}` : '';
  const lintFailures = summary.lintFailures ?? 0;
  const lintNote = lintFailures > 0 ? `, ${plural(lintFailures, 'lint finding', 'lint findings')} at or above --fail-on` : '';
  const untestedNote = summary.untestedFailures ? `, ${plural(summary.untestedFailures, 'untested combination')} (--fail-on untested)` : '';
  const verdict =
    failed === 0 && lintFailures === 0 && !summary.untestedFailures
      ? `## ✅ RLS matrix passed: ${formatCount(counts.total)} cells${knownNote}`
      : failed === 0
        ? `## ❌ RLS matrix failed: ${formatCount(counts.total)} cells as expected${knownNote}${lintNote}${untestedNote}`
        : `## ❌ RLS matrix failed: ${plural(counts.fail, 'mismatch', 'mismatches')}, ${plural(counts.error, 'error', 'errors')} in ${formatCount(counts.total)} cells${knownNote}${lintNote}`;
  const t = summary.timings;
  const provenance = [
    `PostgreSQL ${cellText(meta.postgresVersion)}`,
    `provider ${code(meta.provider)}`,
    meta.executor ? `executor ${code(meta.executor)}` : undefined,
    `schema ${code(meta.schemaFingerprint.replace(/^sha256:/, '').slice(0, 12))}`,
    meta.gitCommit ? `commit ${code(meta.gitCommit.slice(0, 12))}` : undefined,
    `matrix ${meta.matrixFiles.map((f) => code(relativePath(f, cwd))).join(', ') || '–'}`,
    `rls-matrix ${cellText(meta.tool.version)}`,
    cellText(summary.finishedAt),
  ].filter((p) => p !== undefined);
  return [
    verdict,
    '',
    ...(meta.warnings ?? []).flatMap((w) => [`> ⚠ ${cellText(w)}`, '']),
    `**${cellText(meta.matrixName)}**`,
    '',
    '| ✔ pass | ✘ fail | ⚠ error | ◐ known | total |',
    '|---:|---:|---:|---:|---:|',
    `| ${[counts.pass, counts.fail, counts.error, counts.known, counts.total].map(formatCount).join(' | ')} |`,
    '',
    `**Timings:** setup ${setupText(t)} · execution ${formatMs(t.executionMs)}${planAlongsideText(t)} · ${formatCount(summary.cellsPerSecond)} cells/s · ${meta.workers} worker${meta.workers === 1 ? '' : 's'} · total ${formatMs(t.totalMs)}`,
    '',
    `**Provenance:** ${provenance.join(' · ')}`,
    ...(summary.fidelityMismatches !== undefined
      ? [
          '',
          `**Cross-check** (every cell also through the real PostgREST with supabase-js): ${summary.fidelityMismatches === 0 ? 'both executors agree on every cell' : `${plural(summary.fidelityMismatches, 'fidelity mismatch', 'fidelity mismatches')}: the SQL executor and the API disagree (listed below)`}`,
        ]
      : []),
    ...lintSection(meta, summary),
    ...(coverageLine(meta) ? ['', `**Coverage:** ${cellText(coverageLine(meta)!)}`] : []),
    ...untestedSection(meta),
    ...(summary.mutation ? mutationMarkdown(summary.mutation) : []),
  ];
}

const MAX_FINDINGS = 20;
const MAX_UNTESTED = 50;

/** Which table × persona × operation combinations no cell tests (capped), folded away. */
function untestedSection(meta: AssembleContext['meta']): string[] {
  const untested = untestedCombinations(meta);
  if (!untested.length) return [];
  return [
    '',
    `<details><summary>Untested combinations (${formatCount(meta.coverage!.counts.untested)})</summary>`,
    '',
    ...untested.slice(0, MAX_UNTESTED).map((line) => `- ${cellText(line)}`),
    ...(untested.length > MAX_UNTESTED ? [`- … and ${formatCount(untested.length - MAX_UNTESTED)} more table × persona pairs`] : []),
    '',
    '</details>',
  ];
}

/**
 * One lint line, and the unwaived errors and warnings as a table (capped); waived findings are counted
 * here and listed with their reasons in report.html, junit.xml and results.json.
 */
function lintSection(meta: AssembleContext['meta'], summary: AssembleContext['summary']): string[] {
  const line = lintLine(meta);
  if (!line || !meta.lint) return [];
  const failing = failingFindingSet(meta.lint, summary);
  const serious = orderedFindings(meta.lint).filter((f) => !f.waived && f.severity !== 'info');
  const rows = serious
    .slice(0, MAX_FINDINGS)
    .map(
      (f) =>
        `| ${SEVERITY_MARK[f.severity]}${failing.has(f) ? ' (fails)' : ''} | ${code(f.id)} | ${code(f.object)}${f.policy ? ` · policy ${code(f.policy)}` : ''} | ${cellText(truncate(f.message, 160))} |`,
    );
  return [
    '',
    `**Lints:** ${line}${lintFailureNote(summary)}`,
    ...(rows.length ? ['', '| | lint | object | finding |', '|---|---|---|---|', ...rows] : []),
    ...(serious.length > rows.length ? ['', `_… and ${formatCount(serious.length - rows.length)} more errors and warnings: see report.html or results.json._`] : []),
  ];
}

function problemRow(result: Readonly<CellResult>, cwd: string): string {
  const { cell, outcome } = result;
  const why = result.fidelity
    ? fidelityText(result.fidelity)
    : result.status === 'error' || !outcome.error
      ? result.status === 'error'
        ? errorText(result)
        : ''
      : `${outcome.error.sqlstate}: ${outcome.error.message}`;
  const cells = [
    STATUS_MARK[result.status as 'fail' | 'error'],
    code(cell.table),
    cellText(cell.persona),
    cellText(operationLabel(cell)),
    cellText(scopeLabel(cell)),
    cellText(verdictText(cell.expected)),
    cellText(observedWithSymbol(outcome)),
    `${outcome.rows}/${outcome.targetRows}`,
    cellText(truncate(why, 160)),
    cellText(truncate(decidingText(result) ?? '', 200)),
    code(locationText(result.cell.source, cwd)),
  ];
  return `| ${cells.join(' | ')} |`;
}

function cellName(result: Readonly<CellResult>): string {
  const { cell } = result;
  return `${code(cell.table)} ${cellText(cell.persona)} · ${cellText(operationLabel(cell))} · ${cellText(scopeLabel(cell))}`;
}

/** Text safe inside a Markdown table cell: one line, no pipe, no HTML, no control character. */
export function cellText(value: string): string {
  return spellControls(value)
    .replace(/\s+/g, ' ')
    .replace(/[\\`*_[\]|<>]/g, (ch) => (ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : `\\${ch}`))
    .trim();
}

/** Inline code safe inside a Markdown table cell. */
export function code(value: string): string {
  return `\`${spellControls(value)
    .replace(/\s+/g, ' ')
    .replace(/[`|]/g, (ch) => (ch === '|' ? '\\|' : "'"))}\``;
}

export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
