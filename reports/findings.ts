import { countFindings, type Coverage, type CoverageStatus, failingFindings, type LintFinding, type LintSeverity, type RunMeta, type RunSummary, SEVERITIES } from '../core/index.js';
import { plural } from './format.js';

/**
 * Lint findings and coverage as every output shows them (console, junit.xml, summary.md,
 * report.html): counts, one-line texts and the set of findings that fail the run. Pure functions, no I/O.
 */

/** `2 errors, 1 warning, 3 info, 1 waived`, or undefined when the run did not lint. */
export function lintLine(meta: Pick<RunMeta, 'lint'>): string | undefined {
  if (!meta.lint) return undefined;
  const c = countFindings(meta.lint);
  return `${plural(c.error, 'error')}, ${plural(c.warn, 'warning')}, ${c.info} info, ${c.waived} waived`;
}

/** ` — 2 fail the run (--fail-on)`, or '' when --fail-on did not count any finding. */
export function lintFailureNote(summary: Pick<RunSummary, 'lintFailures'>): string {
  const n = summary.lintFailures ?? 0;
  return n > 0 ? ` — ${n} ${n === 1 ? 'fails' : 'fail'} the run (--fail-on)` : '';
}

/** The findings `--fail-on` counted (see `failingFindings`), as a set to mark them by. */
export function failingFindingSet(findings: readonly LintFinding[] | undefined, summary: Pick<RunSummary, 'lintFailOn'>): Set<LintFinding> {
  return new Set(failingFindings(findings ?? [], summary.lintFailOn));
}

/** `42%`, rounded; `<1%` and `>99%` rather than a 0% or 100% that is not. */
export function percent(part: number, total: number): string {
  if (total <= 0) return '0%';
  const p = (100 * part) / total;
  if (p > 0 && p < 1) return '<1%';
  if (p > 99 && p < 100) return '>99%';
  return `${Math.round(p)}%`;
}

/** `items`, or its first `cap` and `and N more`. */
function cappedList(items: readonly string[], cap: number): string {
  return items.length > cap ? `${items.slice(0, cap).join(', ')} and ${items.length - cap} more` : items.join(', ');
}

/** `288 table × persona × operation combinations: 158 stated (55%), 130 defaulted (45%), 0 untested (0%)`. */
function coverageCountsLine(coverage: Pick<Coverage, 'counts' | 'buckets' | 'functions'>): string {
  const { stated, defaulted, untested, total } = coverage.counts;
  const share = (n: number, label: string) => `${n} ${label} (${percent(n, total)})`;
  return `${total} ${combinationsOf(coverage)}: ${share(stated, 'stated')}, ${share(defaulted, 'defaulted')}, ${share(untested, 'untested')}`;
}

/** What the combinations are made of: tables only, or tables, buckets and functions. */
function combinationsOf(coverage: Pick<Coverage, 'buckets' | 'functions'>): string {
  const kinds = ['table', ...(coverage.buckets.length ? ['bucket'] : []), ...(coverage.functions.length ? ['function'] : [])];
  return kinds.length === 1 ? 'table × persona × operation combinations' : `${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)} × persona × operation combinations`;
}

/** The counts line, then the tables no matrix names and the personas that never act (each capped), or undefined without coverage. */
export function coverageLine(meta: Pick<RunMeta, 'coverage'>, cap = 10): string | undefined {
  const c = meta.coverage;
  if (!c) return undefined;
  return [
    coverageCountsLine(c),
    c.unmentionedTables.length ? `tables no matrix names (${c.unmentionedTables.length}): ${cappedList(c.unmentionedTables, cap)}` : undefined,
    c.idlePersonas.length ? `personas that never act (${c.idlePersonas.length}): ${cappedList(c.idlePersonas, cap)}` : undefined,
  ]
    .filter((p) => p !== undefined)
    .join(' · ');
}

/** Findings worth a reader's attention first: unwaived, most severe first, then waived ones. */
export function orderedFindings(findings: readonly LintFinding[]): LintFinding[] {
  const rank = (s: LintSeverity) => SEVERITIES.indexOf(s);
  return [...findings].sort((a, b) => Number(Boolean(a.waived)) - Number(Boolean(b.waived)) || rank(a.severity) - rank(b.severity) || a.id.localeCompare(b.id) || a.object.localeCompare(b.object));
}

/** Symbol and word per severity: never colour alone. */
export const SEVERITY_MARK = { error: '✘ error', warn: '⚠ warn', info: 'ℹ info' } as const satisfies Record<LintSeverity, string>;
/** Shown for a waived finding, whatever its severity. */
export const WAIVED_MARK = '◌ waived';

/** One letter per coverage status, as the per-table matrices show it. */
export const COVERAGE_MARK = { stated: 'S', defaulted: 'D', untested: '–' } as const satisfies Record<CoverageStatus, string>;

/**
 * Every untested table × persona as `public.notes · anon: insert, update`, in coverage order, then
 * the buckets' and functions': `storage bucket avatars · anon: move`, `function public.stats · bob: call`.
 */
export function untestedCombinations(meta: Pick<RunMeta, 'coverage'>): string[] {
  const c = meta.coverage;
  if (!c) return [];
  const lines: string[] = [];
  for (const table of c.tables) {
    for (const [persona, operations] of Object.entries(table.personas)) {
      const untested = c.operations.filter((o) => operations[o] === 'untested');
      if (untested.length) lines.push(`${table.table} · ${persona}: ${untested.join(', ')}`);
    }
  }
  for (const [label, objects] of [
    ['storage bucket', c.buckets],
    ['function', c.functions],
  ] as const) {
    for (const object of objects) {
      for (const [persona, operations] of Object.entries(object.personas)) {
        const untested = object.operations.filter((o) => operations[o] === 'untested');
        if (untested.length) lines.push(`${label} ${object.name} · ${persona}: ${untested.join(', ')}`);
      }
    }
  }
  return lines;
}
