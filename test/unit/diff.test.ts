import { describe, expect, it } from 'vitest';
import { compareExpectations, compareOutcomes, type DiffCell, diffCells, type DiffSide, failingChanges } from '../../core/diff.js';
import type { Outcome, OutcomeClass } from '../../core/results.js';
import type { Verdict } from '../../core/verdict.js';

// What "widened" means, exactly: the order of outcome classes and rows, and of verdicts.

const source = { file: 'rls-matrix.yaml', line: 1, column: 1 };
const side = (outcome: Outcome, expected: Verdict = 'deny'): DiffSide => ({ expected, source, scopePredicate: 'owner_id = auth.uid()', outcome });
const seen = (cls: OutcomeClass, rows = 0, targetRows = 3, extra: Partial<Outcome> = {}): Outcome => ({ class: cls, rows, targetRows, ...extra });
const kindOf = (a: Outcome, b: Outcome) => compareOutcomes(side(a), side(b)).kind;
const error = (sqlstate: string) => seen('error', 0, 3, { error: { sqlstate, message: 'x' } });

describe('comparing outcomes: the order of access', () => {
  it('each gate passed is a widening: privilege refusal < policy refusal < filtered < partial < allowed', () => {
    const ladder: Outcome[] = [seen('denied:privilege'), seen('denied:policy'), seen('filtered'), seen('partial', 1), seen('allowed', 3)];
    for (let i = 0; i < ladder.length; i++) {
      for (let j = 0; j < ladder.length; j++) {
        expect(kindOf(ladder[i]!, ladder[j]!), `${ladder[i]!.class} → ${ladder[j]!.class}`).toBe(i < j ? 'widened' : i > j ? 'narrowed' : 'unchanged');
      }
    }
  });

  it('partial compares the share of the scope reached, exactly', () => {
    expect(kindOf(seen('partial', 1, 3), seen('partial', 2, 3))).toBe('widened');
    expect(kindOf(seen('partial', 2, 3), seen('partial', 1, 3))).toBe('narrowed');
    expect(kindOf(seen('partial', 1, 2), seen('partial', 2, 4))).toBe('changed'); // same share, another scope size
    expect(compareOutcomes(side(seen('partial', 1, 2)), side(seen('partial', 2, 4))).notes).toEqual(['the scope held 2 rows, now 4']);
    expect(kindOf(seen('allowed', 3, 3), seen('allowed', 5, 5))).toBe('changed');
  });

  it('errors: changed SQLSTATE, appearing or going away are errors; an error giving way to rows reached is widened', () => {
    expect(kindOf(error('42P17'), error('42P17'))).toBe('unchanged');
    expect(kindOf(error('42P17'), error('23502'))).toBe('errors');
    expect(kindOf(seen('allowed', 3), error('P0001'))).toBe('errors');
    expect(kindOf(seen('filtered'), error('P0001'))).toBe('errors');
    expect(kindOf(error('P0001'), seen('filtered'))).toBe('errors');
    expect(kindOf(error('P0001'), seen('denied:policy'))).toBe('errors');
    expect(kindOf(error('P0001'), seen('partial', 1))).toBe('widened');
    expect(kindOf(error('P0001'), seen('allowed', 3))).toBe('widened');
    // A vacuous cell proved nothing, whatever its class.
    expect(kindOf(seen('allowed', 3), seen('filtered', 0, 0, { vacuous: true }))).toBe('errors');
  });

  it('an expectation or scope edited between the runs is noted; alone it is a change', () => {
    const result = compareOutcomes(side(seen('filtered'), 'deny'), { ...side(seen('allowed', 3), 'allow'), scopePredicate: 'true' });
    expect(result).toEqual({ kind: 'widened', notes: ['expectation deny → allow', 'scope predicate owner_id = auth.uid() → true'] });
    expect(compareOutcomes(side(seen('filtered'), 'deny'), side(seen('filtered'), 'filtered'))).toEqual({ kind: 'changed', notes: ['expectation deny → filtered'] });
  });
});

describe('comparing expectations: the most access a verdict accepts', () => {
  const kind = (a: Verdict, b: Verdict) => compareExpectations({ expected: a, source }, { expected: b, source }).kind;
  it('allow > deny = filtered > refused; a known gap accepts anything', () => {
    expect(kind('deny', 'allow')).toBe('widened');
    expect(kind('refused', 'deny')).toBe('widened');
    expect(kind({ refused: 'P0001' }, 'filtered')).toBe('widened');
    expect(kind('deny', { known: 'ticket 42', verdict: 'deny' })).toBe('widened');
    expect(kind('allow', 'deny')).toBe('narrowed');
    expect(kind('deny', 'refused')).toBe('narrowed');
    expect(kind('deny', 'filtered')).toBe('changed');
    expect(kind('refused', { refused: 'P0001' })).toBe('changed');
    expect(kind('allow', { known: 'ticket 42', verdict: 'allow' })).toBe('changed');
    expect(kind({ known: 'ticket 42', verdict: 'deny' }, { known: 'ticket 43', verdict: 'deny' })).toBe('changed');
    expect(kind({ refused: 'P0001' }, { refused: 'P0001' })).toBe('unchanged');
  });
});

describe('matching cells', () => {
  const cell = (id: string, expected: Verdict, extra: Partial<DiffCell> = {}): DiffCell => ({
    id,
    table: id.split('/')[0]!,
    persona: id.split('/')[1]!,
    operation: 'select',
    expected,
    source,
    ...extra,
  });
  it('matches by id; lists kinds in order, each in report order; counts every cell once', () => {
    const before = [cell('public.b/alice/select/*', 'deny'), cell('public.a/bob/select/*', 'deny'), cell('public.a/alice/select/*', 'deny'), cell('public.gone/alice/select/*', 'deny')];
    const after = [
      cell('public.a/alice/select/*', 'allow'),
      cell('public.new/alice/select/*', 'deny'),
      cell('public.b/alice/select/*', 'deny'),
      cell('public.a/bob/select/*', 'allow'),
      cell('public.a/bob/delete/*', 'allow', { operation: 'delete' }),
    ];
    const { changes, counts } = diffCells(before, after, compareExpectations);
    expect(changes.map((c) => `${c.kind} ${c.id}`)).toEqual([
      'widened public.a/alice/select/*',
      'widened public.a/bob/select/*',
      'added public.a/bob/delete/*',
      'added public.new/alice/select/*',
      'removed public.gone/alice/select/*',
    ]);
    expect(counts).toEqual({ widened: 2, narrowed: 0, errors: 0, changed: 0, added: 2, removed: 1, unchanged: 1 });
    expect(failingChanges({ counts }, ['widened'])).toBe(2);
    expect(failingChanges({ counts }, ['added', 'removed'])).toBe(3);
    expect(failingChanges({ counts }, ['none'])).toBe(0);
  });
});
