import type { LintFinding, RunMeta } from '../harness/types.js';

/**
 * Lint findings and coverage as the reports show them: counts and one-line texts shared by
 * junit.xml, summary.md and report.html. Internal to `reports/`.
 */
export interface LintCounts {
  error: number;
  warn: number;
  info: number;
  waived: number;
}

export function lintCounts(findings: readonly LintFinding[] | undefined): LintCounts | undefined {
  if (!findings) return undefined;
  const counts: LintCounts = { error: 0, warn: 0, info: 0, waived: 0 };
  for (const f of findings) {
    if (f.waived) counts.waived++;
    else counts[f.severity]++;
  }
  return counts;
}

/** `2 errors, 1 warning, 0 info, 3 waived`, or undefined when the run did not lint. */
export function lintLine(meta: Readonly<RunMeta>): string | undefined {
  const c = lintCounts(meta.lint);
  if (!c) return undefined;
  return `${c.error} error${c.error === 1 ? '' : 's'}, ${c.warn} warning${c.warn === 1 ? '' : 's'}, ${c.info} info, ${c.waived} waived`;
}

/** `288 combinations: 158 stated, 130 defaulted, 0 untested · unmentioned tables: … · idle personas: …`. */
export function coverageLine(meta: Readonly<RunMeta>, cap = 10): string | undefined {
  const c = meta.coverage;
  if (!c) return undefined;
  const list = (items: readonly string[]) => (items.length > cap ? `${items.slice(0, cap).join(', ')} and ${items.length - cap} more` : items.join(', '));
  return [
    `${c.counts.total} table × persona × operation combinations: ${c.counts.stated} stated, ${c.counts.defaulted} defaulted, ${c.counts.untested} untested`,
    c.unmentionedTables.length ? `tables no matrix names: ${list(c.unmentionedTables)}` : undefined,
    c.idlePersonas.length ? `personas that never act: ${list(c.idlePersonas)}` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(' · ');
}

/** Findings worth a reader's attention first: unwaived, most severe first, then waived ones. */
export function orderedFindings(findings: readonly LintFinding[]): LintFinding[] {
  const rank = { error: 0, warn: 1, info: 2 } as const;
  return [...findings].sort((a, b) => Number(Boolean(a.waived)) - Number(Boolean(b.waived)) || rank[a.severity] - rank[b.severity] || a.id.localeCompare(b.id) || a.object.localeCompare(b.object));
}

export const SEVERITY_MARK = { error: '✘ error', warn: '⚠ warn', info: 'ℹ info' } as const;
