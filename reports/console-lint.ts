import { relative } from 'node:path';
import { failingFindings, type FailOn, formatLocation, type LintFinding, type LintOutcome, type LintSeverity, type RunMeta, type RunSummary, type SourceLocation } from '../core/index.js';
import { coverageLine, lintLine } from './findings.js';
import type { Paint } from './terminal.js';

/** Lint findings and coverage on the console: after a run's cells, and as `rls-matrix lint`'s whole output. */

const LABELS: Record<LintSeverity, [number, string]> = { error: [31, '✗ error'], warn: [33, '⚠ warn '], info: [36, 'ℹ info '] };
const MAX_LISTED = 10;

/** `✗ error  rls-disabled-in-public  public.audit — message`, or `~ waived …` for a waived finding. */
function findingLine(finding: LintFinding, paint: Paint): string {
  const [code, label] = LABELS[finding.severity];
  const head = finding.waived ? paint(2, `~ waived ${finding.severity.padEnd(5)}`) : paint(code, label);
  return `${head}  ${finding.id}  ${finding.object}${finding.matrix ? ` (${displayPath(finding.matrix)})` : ''} — ${finding.message}`;
}

/**
 * Findings grouped by lint and severity: the lint's title and why it matters once, then each object
 * with its message, fix and waiver.
 */
function findingGroups(findings: readonly LintFinding[], titles: Readonly<Record<string, string>>, paint: Paint): string {
  const groups = new Map<string, LintFinding[]>();
  for (const f of findings) groups.set(`${f.id} ${f.severity}`, [...(groups.get(`${f.id} ${f.severity}`) ?? []), f]);
  let text = '';
  for (const group of groups.values()) {
    const { id, severity, why } = group[0]!;
    const [code, label] = LABELS[severity];
    text += `${paint(code, label)}  ${paint(1, id)} — ${titles[id] ?? ''}\n    ${paint(2, `why: ${why}`)}\n`;
    for (const f of group) {
      const matrix = f.matrix ? ` (${displayPath(f.matrix)})` : '';
      text += `  ${f.waived ? paint(2, '~ waived') : '•'} ${f.object}${matrix}: ${f.message}\n      fix: ${f.fix}\n`;
      if (f.waived) text += `      waived: ${f.waived.reason} (${where(f.waived.source)})\n`;
    }
  }
  return text;
}

/**
 * A run's lint and coverage summary, printed before the verdict: the counts, then (unless quiet)
 * the unwaived errors and warnings, a few at most.
 */
export function runLintSummary(meta: RunMeta | undefined, summary: RunSummary, paint: Paint, quiet: boolean): string {
  let text = '';
  if (meta?.lint) {
    const failing = summary.lintFailures ? paint(31, ` — ${summary.lintFailures} fail the run (--fail-on)`) : '';
    text += `lint: ${lintLine(meta)}${failing}${meta.lint.length ? ' (rls-matrix lint shows why and how to fix)' : ''}\n`;
    const shown = quiet ? [] : meta.lint.filter((f) => !f.waived && f.severity !== 'info');
    for (const finding of shown.slice(0, MAX_LISTED)) text += `  ${findingLine(finding, paint)}\n`;
    if (shown.length > MAX_LISTED) text += `  … and ${shown.length - MAX_LISTED} more\n`;
  }
  const coverage = coverageLine(meta ?? {});
  if (coverage) text += `coverage: ${coverage}\n`;
  return text;
}

/** How `rls-matrix lint` prints: a header, findings grouped by lint, unused waivers, and the verdict. */
export interface LintConsoleOptions {
  failOn: FailOn;
  /** Only the findings that fail (--fail-on) and the verdict. */
  quiet: boolean;
  /** Each lint's one-line title, by id. */
  titles: Readonly<Record<string, string>>;
  paint: Paint;
}

/** `rls-matrix lint`'s console output. Waived findings are shown with their reason (never dropped), except when quiet. */
export function lintConsoleText(outcome: LintOutcome, options: LintConsoleOptions): string {
  const { paint } = options;
  const failing = failingFindings(outcome.findings, options.failOn);
  let text = options.quiet ? '' : `${paint(1, 'rls-matrix lint')} · ${outcome.matrixName} · ${outcome.provider} PostgreSQL ${outcome.postgresVersion} · ${Object.keys(options.titles).length} lints\n`;
  text += findingGroups(options.quiet ? failing : outcome.findings, options.titles, paint);
  for (const waiver of outcome.unusedWaivers) {
    text += `${paint(2, '~ unused')}  waiver for ${waiver.lint} on ${waiver.object} at ${where(waiver.source)} matches no finding (remove it?)\n`;
  }
  const verdict = failing.length ? paint(31, 'FAIL') : paint(32, 'PASS');
  const threshold = options.failOn === 'none' ? 'findings are informational (--fail-on none)' : `${failing.length} at or above --fail-on ${options.failOn}`;
  return `${text}${verdict} lint: ${lintLine({ lint: outcome.findings })} · ${threshold}\n`;
}

/** file:line:column, relative to the working directory when the file is under it. */
function where(source: SourceLocation): string {
  return formatLocation({ ...source, file: displayPath(source.file) });
}

function displayPath(file: string): string {
  const path = relative(process.cwd(), file);
  return path && !path.startsWith('..') ? path : file;
}
