/**
 * The ids of the schema lints (`rls-matrix lint`, and the lint stage of `run`), as a `waivers:`
 * entry names them. They live here, not in harness/lint, because the matrix validates waivers and
 * the matrix layer imports nothing from the harness (DESIGN §1); `harness/lint/index.ts` registers
 * exactly these ids (`satisfies Record<LintId, …>`), so the two cannot drift.
 *
 * Ids match Supabase's splinter lint names (kebab-case) where splinter has the same check.
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
