import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult, RunSummary } from '../core/results.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// Every outcome class (the README's "Outcome classes") and every Supabase trap the harness handles, observed on a real PostgreSQL through the whole
// pipeline (matrix → fixtures → harness). Each expectation names the class the server must produce.
let database: StartedDatabase;
let provider: Provider;
let results: Map<string, CellResult>;
let summary: RunSummary;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  ({ results, summary } = await runAndCollect(join(import.meta.dirname, 'projects/traps/rls-matrix.yaml'), { provider, cellTimeoutMs: 300 }));
}, 60_000);
afterAll(async () => database?.stop());

function cell(id: string): CellResult {
  const result = results.get(id);
  if (!result) throw new Error(`no cell ${id}; cells: ${[...results.keys()].join(', ')}`);
  return result;
}

describe('outcome classes', () => {
  it('allowed: every row of the scope is visible', () => {
    expect(cell('public.notes/alice/select/own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1, targetRows: 1 } });
    expect(cell('public.notes/service/select/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 3, targetRows: 3 } });
  });

  it('partial: some but not all rows of the scope, a mismatch for deny', () => {
    expect(cell('public.posts/alice/select/others')).toMatchObject({ status: 'fail', outcome: { class: 'partial', rows: 1, targetRows: 2 } });
  });

  it('filtered: SELECT denial is silence, not an error', () => {
    const result = cell('public.notes/alice/select/others');
    expect(result).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0, targetRows: 2 } });
    expect(result.outcome.error).toBeUndefined();
  });

  it('denied:privilege: a missing GRANT is 42501 "permission denied for table"', () => {
    for (const op of ['select', 'insert', 'update', 'delete']) {
      const result = cell(`public.secrets/alice/${op}/*`);
      expect(result.outcome.class, op).toBe('denied:privilege');
      expect(result.outcome.error?.sqlstate).toBe('42501');
      expect(result.status).toBe('pass');
    }
  });

  it('denied:policy: an INSERT failing WITH CHECK raises 42501 "new row violates row-level security policy"', () => {
    const result = cell('public.notes/alice/insert/others');
    expect(result).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy', error: { sqlstate: '42501' } } });
    expect(result.outcome.error?.message).toMatch(/^new row violates row-level security policy/);
  });

  it('error: a NOT NULL violation after RLS passed is neither allow nor deny', () => {
    expect(cell('public.items/alice/insert/*')).toMatchObject({ status: 'error', outcome: { class: 'error', error: { sqlstate: '23502' } } });
  });

  it('error: a foreign key violation is neither allow nor deny', () => {
    expect(cell('public.items/bob/insert/dangling')).toMatchObject({ status: 'error', outcome: { class: 'error', error: { sqlstate: '23503' } } });
  });

  it('error: a vacuous scope proves nothing, even when the verdict is allow', () => {
    expect(cell('public.notes/alice/select/nobody')).toMatchObject({ status: 'error', outcome: { class: 'error', vacuous: true, targetRows: 0 } });
  });
});

describe('traps', () => {
  it('UPDATE and DELETE of hidden rows affect 0 rows silently', () => {
    expect(cell('public.notes/alice/update/others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0 } });
    expect(cell('public.notes/alice/delete/others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0 } });
    expect(cell('public.notes/alice/update/own').outcome.class).toBe('allowed');
    expect(cell('public.notes/alice/delete/own').outcome.class).toBe('allowed');
  });

  it('an UPDATE/DELETE filtered by key needs a SELECT policy to see the rows', () => {
    expect(cell('public.blind/alice/update/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    expect(cell('public.blind/alice/delete/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
  });

  it('a cell never runs as the connecting role: RLS without policies hides every row from the persona', () => {
    // The connecting role owns the table and would see both rows.
    expect(cell('public.locked/anon/select/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', targetRows: 2 } });
    expect(cell('public.locked/alice/select/*').role).toBe('authenticated');
    expect(cell('public.locked/alice/update/*').outcome.class).toBe('filtered');
  });

  it('INSERT without RETURNING needs no SELECT policy; INSERT … RETURNING does', () => {
    expect(cell('public.drop_box/alice/post/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    const withReturning = cell('public.drop_box/alice/post_and_read/*');
    expect(withReturning).toMatchObject({ status: 'fail', outcome: { class: 'denied:policy' } });
    expect(withReturning.sql).toMatch(/returning \*$/);
  });

  it('UPSERT onto a row the UPDATE policy hides raises 42501 instead of skipping', () => {
    const result = cell('public.notes/alice/upsert/others');
    expect(result).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy', error: { sqlstate: '42501' } } });
    expect(result.sql).toMatch(/on conflict \("id"\) do update set/);
    expect(cell('public.notes/alice/upsert/own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });

  it('a member of the owning role bypasses RLS like the owner: reported as allowed, so deny fails', () => {
    expect(cell('public.ledger/alice/select/*')).toMatchObject({ status: 'fail', outcome: { class: 'allowed' } });
  });

  it('only restrictive policies and no permissive one means deny', () => {
    expect(cell('public.restricted/alice/select/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
  });

  it('column privileges are checked before RLS: updating an ungranted column is denied:privilege', () => {
    expect(cell('public.profiles/alice/rename/own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    const promote = cell('public.profiles/alice/promote/own');
    expect(promote).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege' } });
    expect(promote.outcome.error?.message).toMatch(/^permission denied for table profiles/);
  });

  it('a statement timeout becomes error, and the run goes on', () => {
    expect(cell('slow.waits/alice/select/*')).toMatchObject({ status: 'error', outcome: { class: 'error', error: { sqlstate: '57014' } } });
  });

  it('the run summary counts every status', () => {
    const counted: Record<string, number> = {};
    for (const r of results.values()) counted[r.status] = (counted[r.status] ?? 0) + 1;
    expect(summary.counts).toMatchObject({ total: results.size, pass: counted.pass ?? 0, fail: counted.fail ?? 0, error: counted.error ?? 0 });
    expect(summary.exitCode).toBe(1);
  });
});
