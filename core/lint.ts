import type { SourceLocation } from './location.js';

/**
 * The vocabulary of the schema lints (`rls-matrix lint`, and the lint stage of `run`), shared by the
 * matrix (its `waivers:` name lint ids), the lints that find them (lint/) and the reports that show
 * them. lint/index.ts registers exactly these ids (`satisfies Record<LintId, …>`), so the two
 * cannot drift. Ids match Supabase's splinter lint names (kebab-case) where splinter has the same check.
 */
export const LINT_IDS = [
  'rls-disabled-in-public',
  'rls-enabled-no-policy',
  'policy-exists-rls-disabled',
  'api-role-owns-table',
  'rls-policy-always-true',
  'policy-missing-with-check',
  'policy-with-check-asymmetric',
  'multiple-permissive-policies',
  'rls-references-user-metadata',
  'auth-rls-initplan',
  'unindexed-policy-column',
  'anon-grant-without-policy',
  'anon-security-definer-function-executable',
  'authenticated-security-definer-function-executable',
  'function-search-path-mutable',
  'security-definer-view',
] as const;

/** A lint's stable id. */
export type LintId = (typeof LINT_IDS)[number];

/** True when `id` names a lint. */
export function isLintId(id: string): id is LintId {
  return (LINT_IDS as readonly string[]).includes(id);
}

/** How bad a finding is: `error` is a hole, `warn` a likely hole or a trap, `info` worth knowing. */
export type LintSeverity = 'error' | 'warn' | 'info';

/** Severities from the most to the least severe. */
export const SEVERITIES = ['error', 'warn', 'info'] as const satisfies readonly LintSeverity[];

/** What a finding is about. */
export type LintObjectType = 'table' | 'view' | 'function';

/**
 * One problem a lint found in the live catalogue. Waived findings are kept (with `waived`), never
 * dropped: reports show them, `--fail-on` ignores them.
 */
export interface LintFinding {
  /** The lint's stable id, e.g. `rls-disabled-in-public`. */
  id: LintId;
  severity: LintSeverity;
  /** `schema.name` of the table, view or function. */
  object: string;
  objectType: LintObjectType;
  /** The policy, for findings about one policy. */
  policy?: string;
  /** What is wrong, naming the object. */
  message: string;
  /** Why it matters. */
  why: string;
  /** How to fix it, as SQL where one statement does. */
  fix: string;
  /** The matrix file whose database was linted, when a run has several. */
  matrix?: string;
  /** Set when a `waivers:` entry accepts the finding. */
  waived?: { reason: string; source: SourceLocation };
}

/** `--fail-on`: the least severe finding that fails the run, or `none`. */
export type FailOn = LintSeverity | 'none';

/** The `--fail-on` choices, most severe first. */
export const FAIL_ON_CHOICES = [...SEVERITIES, 'none'] as const satisfies readonly FailOn[];

/** The unwaived findings at or above `failOn`: those that make `--fail-on` exit 1. */
export function failingFindings(findings: readonly LintFinding[], failOn: FailOn | undefined): LintFinding[] {
  if (!failOn || failOn === 'none') return [];
  const limit = SEVERITIES.indexOf(failOn);
  return findings.filter((f) => !f.waived && SEVERITIES.indexOf(f.severity) <= limit);
}

/** Findings per state: unwaived per severity, waived whatever their severity, and all of them. */
export interface LintCounts {
  error: number;
  warn: number;
  info: number;
  waived: number;
  /** error + warn + info + waived. */
  total: number;
}

export function countFindings(findings: readonly LintFinding[]): LintCounts {
  const counts: LintCounts = { error: 0, warn: 0, info: 0, waived: 0, total: findings.length };
  for (const f of findings) {
    if (f.waived) counts.waived++;
    else counts[f.severity]++;
  }
  return counts;
}

/** One `waivers:` entry: the lint and object it accepts, why, and where it is written. */
export interface Waiver {
  lint: string;
  /** `schema.name` or a pattern with `*`; an unqualified name applies in the exposed schemas. */
  object: string;
  reason: string;
  source: SourceLocation;
}

/** What `rls-matrix lint` found: every finding and the waivers that accept none. */
export interface LintOutcome {
  /** Every finding, most severe first; waived ones included, marked. */
  findings: LintFinding[];
  /** `waivers:` entries that accept no finding (stale: the object was fixed, renamed or dropped). */
  unusedWaivers: Waiver[];
  matrixName: string;
  provider: string;
  postgresVersion: string;
}
