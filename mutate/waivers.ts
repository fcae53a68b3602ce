import type { MutantResult, MutationWaiver } from '../core/index.js';
import { globToRegExp } from '../lint/index.js';

/**
 * Marks the survivors a `mutation_waivers:` entry accepts (the first matching one wins; `*` in its
 * `mutant` matches any characters). Only survivors are waived: a killed mutant needs no waiver,
 * and an errored one is not a verdict on the matrix. Returns the waivers that accepted nothing.
 */
export function applyMutationWaivers(results: readonly MutantResult[], waivers: readonly MutationWaiver[]): { results: MutantResult[]; unused: MutationWaiver[] } {
  const used = new Set<MutationWaiver>();
  const marked = results.map((result) => {
    if (result.status !== 'survived') return result;
    const waiver = waivers.find((w) => globToRegExp(w.mutant).test(result.id));
    if (!waiver) return result;
    used.add(waiver);
    return { ...result, status: 'waived' as const, waived: { reason: waiver.reason, source: waiver.source } };
  });
  return { results: marked, unused: waivers.filter((w) => !used.has(w)) };
}
