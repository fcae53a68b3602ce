import { z } from 'zod';

/**
 * Expected verdicts: their schema (the matrix schema composes it), and the one wording of a verdict
 * every output uses (console, JUnit, HTML, Markdown).
 */

const sqlstate = z.string().regex(/^[0-9A-Z]{5}$/, 'a SQLSTATE is five characters, digits or capital letters, e.g. 42501 or P0001');

const VerdictNameSchema = z.enum(['allow', 'deny', 'filtered', 'refused']);
const RefusedWithSchema = z.strictObject({ refused: sqlstate });
const PlainVerdictSchema = z.union([VerdictNameSchema, RefusedWithSchema]);
const KnownGapSchema = z.strictObject({
  known: z.string().min(1, 'say why the gap is accepted'),
  verdict: PlainVerdictSchema,
});
export const VerdictSchema = z.union([PlainVerdictSchema, KnownGapSchema]);
export type PlainVerdict = z.output<typeof PlainVerdictSchema>;
export type Verdict = z.output<typeof VerdictSchema>;

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

/** The expected verdict without its known-gap wrapper: `allow`, `deny`, `refused P0001`… */
export function verdictText(verdict: Verdict): string {
  const plain = plainVerdict(verdict);
  return typeof plain === 'string' ? plain : `refused ${plain.refused}`;
}

/** The documented reason of a known gap, or undefined for an ordinary verdict. */
export function knownReason(verdict: Verdict): string | undefined {
  return typeof verdict === 'object' && 'known' in verdict ? verdict.known : undefined;
}

/** `deny`, or `deny (known gap)`: the verdict as a cell's title states what it expects. */
export function expectedText(verdict: Verdict): string {
  return `${verdictText(verdict)}${knownReason(verdict) === undefined ? '' : ' (known gap)'}`;
}
