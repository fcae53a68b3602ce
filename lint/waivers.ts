import type { LintFinding, Waiver } from '../core/index.js';

/**
 * True when `waiver` accepts `finding`: same lint, and the object matches `schema.name` or a
 * pattern where `*` matches any characters. An unqualified name or pattern (no dot) applies to
 * that name in each of `schemas`.
 */
export function waiverMatches(waiver: Pick<Waiver, 'lint' | 'object'>, finding: Pick<LintFinding, 'id' | 'object'>, schemas: readonly string[]): boolean {
  if (waiver.lint !== finding.id) return false;
  const patterns = waiver.object.includes('.') ? [waiver.object] : schemas.map((s) => `${s}.${waiver.object}`);
  return patterns.some((pattern) => globToRegExp(pattern).test(finding.object));
}

/** A pattern where `*` matches any characters (and nothing else is special), as a whole-string RegExp. */
export function globToRegExp(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/**
 * Marks the findings a waiver accepts (the first matching waiver wins). Nothing is dropped: a
 * waived finding stays in the list, with the waiver's reason and where it is written.
 */
export function applyWaivers(findings: readonly LintFinding[], waivers: readonly Waiver[], schemas: readonly string[]): LintFinding[] {
  return findings.map((finding) => {
    const waiver = waivers.find((w) => waiverMatches(w, finding, schemas));
    return waiver ? { ...finding, waived: { reason: waiver.reason, source: waiver.source } } : finding;
  });
}

/** Waivers that accept no finding: stale entries an auditor should see (the object was fixed or renamed). */
export function unusedWaivers(findings: readonly LintFinding[], waivers: readonly Waiver[], schemas: readonly string[]): Waiver[] {
  return waivers.filter((w) => !findings.some((f) => waiverMatches(w, f, schemas)));
}
