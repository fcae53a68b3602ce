import { describe, expect, it } from 'vitest';
import type { CellPlan } from '../../planner/plan.js';
import { observeAnswer, type ApiAnswer } from './answer.js';
import type { Cell, FunctionInfo } from '../../../core/index.js';

// PostgREST's answers, as supabase-js hands them back, to the observation the classifier reads.
const cell = (operation: Cell['operation'], extra: Partial<Cell> = {}): Cell => ({
  id: 'x',
  table: 'public.t',
  persona: 'alice',
  operation,
  expected: 'allow',
  origin: 'stated',
  source: { file: 'm.yaml' },
  returning: false,
  ...extra,
});
const plan = (c: Cell, targetRows = 2, extra: Partial<CellPlan> = {}) => ({ cell: c, targetRows, call: { keys: [], values: [] }, ...extra }) as unknown as CellPlan;
const answer = (a: Partial<ApiAnswer>): ApiAnswer => ({ data: null, error: null, count: null, status: 200, ...a });
const fn = (returns: FunctionInfo['returns']): FunctionInfo => ({ name: 'public.f', schema: 'public', function: 'f', args: [], defaults: 0, returns, securityDefiner: false, volatility: 'volatile' });

describe('observeAnswer', () => {
  it("an error keeps PostgreSQL's SQLSTATE and message as PostgREST passes them", () => {
    const o = observeAnswer(
      plan(cell('update')),
      answer({ status: 403, error: { code: '42501', message: 'new row violates row-level security policy for table "t"', details: null, hint: null } }),
      undefined,
      {},
    );
    expect(o).toMatchObject({ rows: 0, targetRows: 2, error: { sqlstate: '42501', message: 'new row violates row-level security policy for table "t"' } });
    expect(o.error).not.toHaveProperty('detail');
  });

  it("PostgREST's own refusals keep their PGRST code; a request without an answer is 08006", () => {
    expect(observeAnswer(plan(cell('select')), answer({ status: 404, error: { code: 'PGRST205', message: 'no table' } }), undefined, {}).error?.sqlstate).toBe('PGRST205');
    expect(observeAnswer(plan(cell('select')), answer({ status: 0, error: { code: '', message: 'TypeError: fetch failed' } }), undefined, {}).error?.sqlstate).toBe('08006');
    expect(observeAnswer(plan(cell('select')), answer({ status: 0, error: { code: '20', message: 'AbortError: no answer within 7000 ms' } }), undefined, {}).error?.sqlstate).toBe('08006');
  });

  it('rows: the exact count for reads and writes, the returned rows after .select()', () => {
    expect(observeAnswer(plan(cell('select')), answer({ data: [{}, {}], count: 2 }), undefined, {}).rows).toBe(2);
    expect(observeAnswer(plan(cell('delete')), answer({ status: 204, count: 0 }), undefined, {}).rows).toBe(0);
    expect(observeAnswer(plan(cell('insert', { returning: true }), 1), answer({ status: 201, data: [], count: 1 }), undefined, {}).rows).toBe(0);
  });

  it('rpc: rows of a set, 1 for a value or a void call, 0 for null; any rows count when no row count is expected', () => {
    const anyRows = plan(cell('rpc'), 1, { anyRows: true });
    expect(observeAnswer(anyRows, answer({ data: [{}, {}, {}] }), undefined, { rpc: fn('set') })).toMatchObject({ rows: 3, targetRows: 3 });
    expect(observeAnswer(anyRows, answer({ data: false }), undefined, { rpc: fn('scalar') })).toMatchObject({ rows: 1 });
    expect(observeAnswer(anyRows, answer({ data: null }), undefined, { rpc: fn('scalar') })).toMatchObject({ rows: 0, targetRows: 1 });
    expect(observeAnswer(anyRows, answer({ status: 204, data: null }), undefined, { rpc: fn('void') })).toMatchObject({ rows: 1 });
    // A scalar is one value whatever its JSON shape: an empty or longer JSON array, an object.
    expect(observeAnswer(anyRows, answer({ data: [] }), undefined, { rpc: fn('scalar') })).toMatchObject({ rows: 1 });
    expect(observeAnswer(anyRows, answer({ data: [1, 2, 3] }), undefined, { rpc: fn('scalar') })).toMatchObject({ rows: 1 });
    expect(observeAnswer(anyRows, answer({ data: { a: 1 } }), undefined, { rpc: fn('scalar') })).toMatchObject({ rows: 1 });
  });

  it("a view's returned rows count only where they are rows of the scope, each copy once", () => {
    const scope = ['{"a":1,"b":"x"}', '{"a":1,"b":"x"}', '{"a":2,"b":"y"}'];
    const returned = [
      { a: 1, b: 'x' },
      { a: 3, b: 'z' },
      { a: 1, b: 'x' },
      { a: 1, b: 'x' },
    ];
    expect(observeAnswer(plan(cell('select'), 3), answer({ data: returned }), undefined, { viewRows: scope }).rows).toBe(2);
  });
});
