import { describe, expect, it } from 'vitest';
import { classifyOutcome } from './classify.js';
import { judgeOutcome } from './judge.js';

// The classifier and judge are pure; these tests pin their decision tables. The same classes are
// observed on a real server in test/traps.test.ts.
const policyError = { sqlstate: '42501', message: 'new row violates row-level security policy for table "notes"' };
const usingError = { sqlstate: '42501', message: 'new row violates row-level security policy (USING expression) for table "notes"' };
const restrictiveError = { sqlstate: '42501', message: 'new row violates row-level security policy "only_mine" for table "notes"' };
const privilegeError = { sqlstate: '42501', message: 'permission denied for table notes' };

describe('classifyOutcome', () => {
  it.each([
    [{ rows: 3, targetRows: 3 }, 'allowed'],
    [{ rows: 1, targetRows: 3 }, 'partial'],
    [{ rows: 0, targetRows: 3 }, 'filtered'],
    [{ rows: 0, targetRows: 1, error: privilegeError }, 'denied:privilege'],
    [{ rows: 0, targetRows: 1, error: policyError }, 'denied:policy'],
    [{ rows: 0, targetRows: 1, error: usingError }, 'denied:policy'],
    [{ rows: 0, targetRows: 1, error: restrictiveError }, 'denied:policy'],
    [{ rows: 0, targetRows: 1, error: { sqlstate: '42501', message: 'must be owner of table notes' } }, 'error'],
    [{ rows: 0, targetRows: 1, error: { sqlstate: '23502', message: 'null value in column "x"' } }, 'error'],
    [{ rows: 0, targetRows: 1, error: { sqlstate: '57014', message: 'canceling statement due to statement timeout' } }, 'error'],
    [{ rows: 0, targetRows: 1, error: { sqlstate: '42P17', message: 'infinite recursion detected in policy for relation "x"' } }, 'error'],
    [{ rows: 4, targetRows: 3 }, 'error'],
  ] as const)('%j → %s', (observation, expected) => {
    expect(classifyOutcome(observation).class).toBe(expected);
  });

  it('a scope with no rows is vacuous, whatever the rows', () => {
    expect(classifyOutcome({ rows: 0, targetRows: 0 })).toMatchObject({ class: 'error', vacuous: true });
  });

  it('keeps the database error fields as they came', () => {
    const error = { ...policyError, detail: 'd', hint: 'h', table: 'notes' };
    expect(classifyOutcome({ rows: 0, targetRows: 1, error }).error).toEqual(error);
  });
});

describe('judgeOutcome', () => {
  const outcome = (observation: Parameters<typeof classifyOutcome>[0]) => classifyOutcome(observation);
  const allowed = outcome({ rows: 2, targetRows: 2 });
  const partial = outcome({ rows: 1, targetRows: 2 });
  const filtered = outcome({ rows: 0, targetRows: 2 });
  const policy = outcome({ rows: 0, targetRows: 1, error: policyError });
  const privilege = outcome({ rows: 0, targetRows: 1, error: privilegeError });
  const trigger = outcome({ rows: 0, targetRows: 1, error: { sqlstate: 'P0001', message: 'not yours' } });
  const notNull = outcome({ rows: 0, targetRows: 1, error: { sqlstate: '23502', message: 'null value' } });
  const custom42501 = outcome({ rows: 0, targetRows: 1, error: { sqlstate: '42501', message: 'only the billing service may add rows' } });
  const vacuous = outcome({ rows: 0, targetRows: 0 });

  it.each([
    ['allow', allowed, 'pass'],
    ['allow', partial, 'fail'],
    ['allow', filtered, 'fail'],
    ['allow', policy, 'fail'],
    ['allow', notNull, 'error'],
    ['allow', vacuous, 'error'],
    ['deny', filtered, 'pass'],
    ['deny', policy, 'pass'],
    ['deny', privilege, 'pass'],
    ['deny', partial, 'fail'],
    ['deny', allowed, 'fail'],
    ['deny', notNull, 'error'],
    ['deny', trigger, 'error'],
    ['deny', custom42501, 'pass'],
    ['refused', custom42501, 'pass'],
    ['filtered', custom42501, 'error'],
    ['deny', vacuous, 'error'],
    ['filtered', filtered, 'pass'],
    ['filtered', policy, 'fail'],
    ['refused', policy, 'pass'],
    ['refused', privilege, 'pass'],
    ['refused', filtered, 'fail'],
    [{ refused: 'P0001' }, trigger, 'pass'],
    [{ refused: 'P0001' }, policy, 'fail'],
    [{ refused: 'P0001' }, notNull, 'error'],
    [{ known: 'tracked in JIRA-1', verdict: 'deny' }, allowed, 'known'],
    [{ known: 'tracked in JIRA-1', verdict: 'deny' }, vacuous, 'error'],
  ] as const)('%j with %j → %s', (verdict, observed, status) => {
    expect(judgeOutcome(verdict, observed)).toBe(status);
  });
});
