import { relative } from 'node:path';
import { formatLocation } from '../matrix/errors.js';
import type { Paint } from '../cli/terminal.js';
import type { Coverage, LintFinding, LintSeverity, RunMeta, RunSummary, SourceLocation } from '../core/results.js';


const LABELS: Record<LintSeverity, [number, string]> = { error: [31, '✗ error'], warn: [33, '⚠ warn '], info: [36, 'ℹ info '] };
const MAX_LISTED = 10;

/** `✗ error  rls-disabled-in-public  public.audit — message`, or `~ waived …` for a waived finding. */
export function findingLine(finding: LintFinding, paint: Paint): string {
  const [code, label] = LABELS[finding.severity];
  const head = finding.waived ? paint(2, `~ waived ${finding.severity.padEnd(5)}`) : paint(code, label);
  return `${head}  ${finding.id}  ${finding.object}${finding.matrix ? ` (${displayPath(finding.matrix)})` : ''} — ${finding.message}`;
}

/**
 * Findings grouped by lint and severity, for `rls-matrix lint`: the lint's title and why it
 * matters once, then each object with its message, fix and waiver.
 */
export function findingGroups(findings: readonly LintFinding[], titles: Readonly<Record<string, string>>, paint: Paint): string {
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

/** `2 errors, 1 warning, 3 info, 1 waived`. */
export function lintCounts(findings: readonly LintFinding[]): string {
  const open = findings.filter((f) => !f.waived);
  const n = (severity: LintSeverity) => open.filter((f) => f.severity === severity).length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const waived = findings.length - open.length;
  return [plural(n('error'), 'error'), plural(n('warn'), 'warning'), `${n('info')} info`, ...(waived ? [`${waived} waived`] : [])].join(', ');
}

/** One line: how many combinations are stated, defaulted, untested; unnamed tables; idle personas. */
export function coverageLine(coverage: Coverage): string {
  const { stated, defaulted, untested, total } = coverage.counts;
  const parts = [`${total} table × persona × operation combinations: ${stated} stated, ${defaulted} defaulted, ${untested} untested`];
  if (coverage.unmentionedTables.length) parts.push(`${coverage.unmentionedTables.length} table(s) no matrix names: ${short(coverage.unmentionedTables)}`);
  if (coverage.idlePersonas.length) parts.push(`personas that never act: ${coverage.idlePersonas.join(', ')}`);
  return `coverage: ${parts.join(' · ')}\n`;
}

/**
 * The run's lint and coverage summary, printed before the verdict: the counts, then (unless
 * quiet) the unwaived errors and warnings, a few at most.
 */
export function runSummary(meta: RunMeta | undefined, summary: RunSummary, paint: Paint, quiet: boolean): string {
  let text = '';
  if (meta?.lint) {
    const failing = summary.lintFailures ? paint(31, ` — ${summary.lintFailures} fail the run (--fail-on)`) : '';
    text += `lint: ${lintCounts(meta.lint)}${failing}${meta.lint.length ? ' (rls-matrix lint shows why and how to fix)' : ''}\n`;
    const shown = quiet ? [] : meta.lint.filter((f) => !f.waived && f.severity !== 'info');
    for (const finding of shown.slice(0, MAX_LISTED)) text += `  ${findingLine(finding, paint)}\n`;
    if (shown.length > MAX_LISTED) text += `  … and ${shown.length - MAX_LISTED} more\n`;
  }
  if (meta?.coverage) text += coverageLine(meta.coverage);
  return text;
}

function short(names: readonly string[], max = 5): string {
  return names.length > max ? `${names.slice(0, max).join(', ')}, …` : names.join(', ');
}

/** file:line:column, relative to the working directory when the file is under it. */
export function where(source: SourceLocation): string {
  return formatLocation({ ...source, file: displayPath(source.file) });
}

function displayPath(file: string): string {
  const path = relative(process.cwd(), file);
  return path && !path.startsWith('..') ? path : file;
}
