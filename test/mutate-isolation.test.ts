import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MutantResult } from '../core/index.js';
import { mutateMatrix } from '../mutate/index.js';
import { sharedDatabaseSuite } from './helpers.js';

const project = (file: string) => join(import.meta.dirname, 'projects/mutate', file);
const shared = sharedDatabaseSuite();

/**
 * What must not depend on where a mutant ran: its verdict, why it erred, the suggestion, the first
 * cell that noticed (cells run in plan order up to the first failing one either way), and, when no
 * cell failed, how many ran (all of those it affects).
 */
function verdicts(mutants: readonly MutantResult[]) {
  return mutants.map((m) => ({ id: m.id, status: m.status, error: m.error, suggestion: m.suggestion, first: m.cells?.[0], cellsRun: m.status === 'killed' ? undefined : m.cellsRun }));
}

async function bothWays(file: string) {
  const run = async (isolateMutants: boolean) => (await mutateMatrix({ matrices: [project(file)], provider: shared.provider(), workers: 2, isolateMutants })).summary.mutation;
  const inSavepoints = await run(false);
  const isolated = await run(true);
  return { inSavepoints, isolated };
}

describe('rls-matrix mutate: savepoints and --isolate-mutants agree', () => {
  it('on a membership cache kept by a trigger: every verdict the same, the dropped trigger killed in both', async () => {
    const { inSavepoints, isolated } = await bothWays('cache.yaml');
    expect(verdicts(inSavepoints.mutants)).toEqual(verdicts(isolated.mutants));
    expect(inSavepoints.counts).toEqual({ total: 37, killed: 23, survived: 14, errored: 0, waived: 0 });
    // public.comments draws ids from a sequence no rollback resets: set back after every mutant, no insert collides with the fixtures' ids.
    expect(inSavepoints.mutants.filter((m) => m.object.startsWith('public.comments')).every((m) => m.status !== 'errored')).toBe(true);
    // Applied before the fixtures: the cache is never filled, alice no longer reads her team's comments.
    const trigger = inSavepoints.mutants.find((m) => m.kind === 'trigger-drop')!;
    expect(trigger).toMatchObject({
      id: 'trigger-drop:public.memberships.sync_team_cache',
      statement: 'drop trigger "sync_team_cache" on "public"."memberships"',
      beforeFixtures: true,
      status: 'killed',
    });
    expect(trigger.cells![0]).toBe('public.comments/alice/select/mine');
    // A SECURITY INVOKER helper answering true shows archived documents; run as its owner, it reads nothing more (an equivalent mutant).
    const byId = new Map(inSavepoints.mutants.map((m) => [m.id, m]));
    expect(byId.get('function-permissive:public.is_open(_archived boolean)')).toMatchObject({ status: 'killed', cells: expect.arrayContaining(['public.docs/alice/select/archived']) });
    expect(byId.get('function-definer:public.is_open(_archived boolean)')!.status).toBe('survived');
    // WITH CHECK dropped: the USING alone lets a document be blanked.
    expect(byId.get('policy-check-drop:public.docs.docs_edit')).toMatchObject({ status: 'killed', cells: expect.arrayContaining(['public.docs/alice/blank/mine']) });
  });

  it('on policies that recurse without end once a helper runs as its caller: errored both ways, with the same cells', async () => {
    const { inSavepoints, isolated } = await bothWays('recursion.yaml');
    expect(verdicts(inSavepoints.mutants)).toEqual(verdicts(isolated.mutants));
    expect(inSavepoints.mutants.filter((m) => m.status === 'errored').map((m) => m.id)).toEqual(['function-invoker:public.in_team(_team integer)']);
  });

  it('on a finite recursion deeper than the small stack: the full depth judges it, killed both ways', async () => {
    const { inSavepoints, isolated } = await bothWays('deep.yaml');
    expect(verdicts(inSavepoints.mutants)).toEqual(verdicts(isolated.mutants));
    // With the 256kB stack its cells run out (54001); at the server's 2MB the helper returns and alice reads bob's items.
    const widened = inSavepoints.mutants.find((m) => m.id === 'policy-roles-public:public.items.items_service')!;
    expect(widened.status).toBe('killed');
    expect(widened.cells![0]).toBe('public.items/alice/select/others');
    expect(inSavepoints.counts).toEqual({ total: 13, killed: 5, survived: 8, errored: 0, waived: 0 });
  });
});
