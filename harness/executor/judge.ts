import { type CellStatus, type Outcome, plainVerdict, type Verdict } from '../../core/index.js';

/**
 * Compares an outcome with the expected verdict. An `error` outcome is never a pass, except where
 * the verdict asks for exactly that SQLSTATE (`refused`, and `deny` for any 42501); a vacuous cell is always an error;
 * a known gap is reported as known whatever happened.
 */
export function judgeOutcome(expected: Verdict, outcome: Outcome): CellStatus {
  if (outcome.vacuous) return 'error';
  if (typeof expected === 'object' && 'known' in expected) return 'known';
  const verdict = plainVerdict(expected);
  if (verdictHolds(verdict, outcome)) return 'pass';
  return outcome.class === 'error' ? 'error' : 'fail';
}

/** Whether the outcome is what the verdict describes (for known gaps: whether the gap still exists). */
function verdictHolds(verdict: ReturnType<typeof plainVerdict>, outcome: Outcome): boolean {
  if (outcome.vacuous) return false;
  switch (verdict) {
    case 'allow':
      return outcome.class === 'allowed';
    case 'deny':
      // "filtered or refused": any 42501 refuses, also one a trigger or function raises with its own
      // message (classified `error`, as it is neither PostgreSQL's privilege nor its policy wording).
      return outcome.class === 'filtered' || outcome.class === 'denied:policy' || outcome.class === 'denied:privilege' || outcome.error?.sqlstate === '42501';
    case 'filtered':
      return outcome.class === 'filtered';
    case 'refused':
      return outcome.error?.sqlstate === '42501';
    default:
      return outcome.error?.sqlstate === verdict.refused;
  }
}
