import type { PlainVerdict, Verdict } from '../matrix/schema.js';

/** True when a parsed expectation node is a verdict rather than a map of operations or scopes. */
export function isVerdict(value: unknown): value is Verdict {
  if (typeof value === 'string') return true;
  if (value === null || typeof value !== 'object') return false;
  return 'refused' in value || 'known' in value;
}

/** The verdict a known gap stands for, or the verdict itself. */
export function plainVerdict(verdict: Verdict): PlainVerdict {
  return typeof verdict === 'object' && 'known' in verdict ? verdict.verdict : verdict;
}

/** A verdict as one short human string: `allow`, `refused P0001`, `known: allow`. */
export function formatVerdict(verdict: Verdict): string {
  if (typeof verdict === 'string') return verdict;
  if ('known' in verdict) return `known (${formatVerdict(verdict.verdict)})`;
  return `refused ${verdict.refused}`;
}
