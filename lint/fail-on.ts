import { SEVERITIES, type LintFinding, type LintSeverity } from './types.js';

/** `--fail-on`: the least severe finding that fails the run, or `none`. */
export type FailOn = LintSeverity | 'none';

/** The unwaived findings at or above `failOn`: those that make `--fail-on` exit 1. Pure: reports use it too. */
export function failingFindings(findings: readonly LintFinding[], failOn: FailOn | undefined): LintFinding[] {
  if (!failOn || failOn === 'none') return [];
  const limit = SEVERITIES.indexOf(failOn);
  return findings.filter((f) => !f.waived && SEVERITIES.indexOf(f.severity) <= limit);
}
