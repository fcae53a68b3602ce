import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MutantResult } from '../core/index.js';
import { mutateMatrix } from '../mutate/index.js';
import { sharedDatabaseSuite } from './helpers.js';

const project = (file: string) => join(import.meta.dirname, 'projects/mutate', file);
const shared = sharedDatabaseSuite();

async function mutate(file: string) {
  const { summary } = await mutateMatrix({ matrices: [project(file)], provider: shared.provider(), workers: 2 });
  const byStatus = (status: MutantResult['status']) =>
    summary.mutation.mutants
      .filter((m) => m.status === status)
      .map((m) => m.id)
      .sort();
  return { summary, mutation: summary.mutation, byStatus };
}

describe('rls-matrix mutate', () => {
  it('a weak matrix: exactly the mutants its few cells cannot see survive, each with a suggestion', async () => {
    const { mutation, byStatus } = await mutate('weak.yaml');
    // alice's two select cells notice a changed SELECT policy and RLS switched off, nothing else.
    expect(byStatus('killed')).toEqual(['policy-drop:public.notes.notes_read', 'policy-flip:public.notes.notes_read', 'policy-using-true:public.notes.notes_read', 'rls-disable:public.notes']);
    // Every survivor, each with the cell that would kill it: exactly these, nothing else.
    const survivors = mutation.mutants
      .filter((m) => m.status === 'survived')
      .map((m) => [m.id, m.suggestion])
      .sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(survivors).toEqual(
      [
        ['function-invoker:public.is_member()', "no cell checks alice inserting public.notes: add insert: allow on rows public.is_member() decides on, when it runs with the caller's rights"],
        ['function-permissive:public.is_member()', 'no cell checks alice inserting public.notes: add insert: deny on rows for which public.is_member() answers false'],
        ['grant-widen:anon@public.members', 'no cell checks anon reading public.members: add select: deny on public.members (anon held no select/insert/update/delete privilege)'],
        ['grant-widen:anon@public.notes', 'no cell checks anon inserting public.notes: add insert: deny on public.notes (anon held no insert/update/delete privilege)'],
        ['grant-widen:authenticated@public.members', 'no cell checks alice reading public.members: add select: deny on public.members (authenticated held no select/insert/update/delete privilege)'],
        ['policy-check-true:public.notes.notes_edit', 'no cell checks alice updating public.notes: add update: deny on rows written that policy "notes_edit"\'s WITH CHECK refuses'],
        ['policy-check-true:public.notes.notes_write', 'no cell checks alice inserting public.notes: add insert: deny on rows written that policy "notes_write"\'s WITH CHECK refuses'],
        ['policy-drop:public.notes.notes_edit', 'no cell checks alice updating public.notes: add update: allow on the rows policy "notes_edit" lets through'],
        ['policy-drop:public.notes.notes_remove', 'no cell checks alice deleting public.notes: add delete: allow on the rows policy "notes_remove" lets through'],
        ['policy-drop:public.notes.notes_write', 'no cell checks alice inserting public.notes: add insert: allow on the rows policy "notes_write" lets through'],
        ['policy-flip:public.notes.notes_edit', 'no cell checks alice updating public.notes: add update: allow on rows policy "notes_edit" admits but another policy does not'],
        ['policy-flip:public.notes.notes_remove', 'no cell checks alice deleting public.notes: add delete: allow on rows policy "notes_remove" admits but another policy does not'],
        ['policy-flip:public.notes.notes_write', 'no cell checks alice inserting public.notes: add insert: allow on rows policy "notes_write" admits but another policy does not'],
        ['policy-using-true:public.notes.notes_edit', 'no cell checks alice updating public.notes: add update: deny on rows policy "notes_edit"\'s USING does not admit'],
        ['policy-using-true:public.notes.notes_remove', 'no cell checks alice deleting public.notes: add delete: deny on rows policy "notes_remove"\'s USING does not admit'],
        ['rls-disable:public.members', 'no cell checks anon reading public.members: add select: deny on rows no policy admits'],
      ].sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
    expect(mutation.counts).toEqual({ total: 20, killed: 4, survived: 16, errored: 0, waived: 0 });
    expect(mutation.score).toBe(20);
    const drop = mutation.mutants.find((m) => m.id === 'policy-drop:public.notes.notes_write')!;
    expect(drop.statement).toBe('drop policy "notes_write" on "public"."notes"');
    const check = mutation.mutants.find((m) => m.id === 'policy-check-true:public.notes.notes_write')!;
    expect(check.statement).toBe('alter policy "notes_write" on "public"."notes" with check (true)');
    expect(mutation.mutants.find((m) => m.id === 'function-permissive:public.is_member()')!.statement).toBe(
      `create or replace function "public"."is_member"() returns boolean language sql as 'select true'`,
    );
    expect(mutation.mutants.find((m) => m.id === 'grant-widen:anon@public.notes')!.statement).toBe('grant select, insert, update, delete on table "public"."notes" to "anon"');
    // A mutant of the UPDATE policy re-runs no select cell: only cells it can change run.
    expect(mutation.mutants.find((m) => m.id === 'policy-drop:public.notes.notes_edit')!.cellsRun).toBe(0);
  });

  it('a strong matrix kills every mutant but those it waives, with their reasons', async () => {
    const { mutation, byStatus, summary } = await mutate('strong.yaml');
    expect(byStatus('survived')).toEqual([]);
    expect(byStatus('errored')).toEqual([]);
    expect(byStatus('waived')).toEqual([
      'grant-widen:anon@public.members',
      'grant-widen:authenticated@public.members',
      'policy-check-true:public.notes.notes_edit',
      'policy-using-true:public.notes.notes_edit',
      'policy-using-true:public.notes.notes_remove',
      'rls-disable:public.members',
    ]);
    expect(mutation.counts).toEqual({ total: 20, killed: 14, survived: 0, errored: 0, waived: 6 });
    expect(mutation.score).toBe(100);
    expect(mutation.unusedWaivers).toEqual([]);
    expect(mutation.mutants.find((m) => m.id === 'rls-disable:public.members')!.waived?.reason).toBe('no API role holds a privilege on members');
    // The helper run as its caller cannot read members: alice's insert is refused, and that kills it.
    expect(mutation.mutants.find((m) => m.id === 'function-invoker:public.is_member()')).toMatchObject({ status: 'killed', cells: ['public.notes/alice/insert/own'] });
    expect(summary.counts.fail + summary.counts.error).toBe(0);
  });

  it('a mutant that makes cells err is reported as errored, not killed', async () => {
    const { byStatus, mutation } = await mutate('recursion.yaml');
    expect(byStatus('errored')).toEqual(['function-invoker:public.in_team(_team integer)']);
    expect(mutation.mutants.find((m) => m.status === 'errored')!.error).toMatch(/^2 cells erred \(public\.team_members\/alice\/select\/(mine|others): SQLSTATE 54001: stack depth limit exceeded\)$/);
    expect(byStatus('killed')).toEqual([
      'function-permissive:public.in_team(_team integer)',
      'policy-drop:public.team_members.team_read',
      'policy-flip:public.team_members.team_read',
      'policy-using-true:public.team_members.team_read',
      'rls-disable:public.team_members',
    ]);
    // Errored mutants count for neither side of the score.
    expect(mutation.score).toBe(100);
  });

  it('refuses a matrix that fails unmutated, naming the failing cells', async () => {
    await expect(mutateMatrix({ matrices: [project('red.yaml')], provider: shared.provider() })).rejects.toMatchObject({
      code: 'ERR_MUTATE_BASELINE',
      exitCode: 2,
      message: expect.stringContaining('public.notes/alice/select/others: mismatch (observed filtered)'),
    });
  });

  it("refuses someone else's database before connecting to it", async () => {
    await expect(mutateMatrix({ matrices: [project('weak.yaml')], provider: 'url', providerOptions: { url: 'postgres://nobody@127.0.0.1:1/none' } })).rejects.toMatchObject({
      code: 'ERR_MUTATE_PROVIDER',
      exitCode: 2,
      message: expect.stringContaining("never alters someone else's database"),
    });
  });
});
