import { beforeAll, describe, expect, it } from 'vitest';
import { loadSqlParser } from '../../matrix/sql-parser.js';
import type { MutationCatalog } from '../../mutate/catalog.js';
import { generateMutants } from '../../mutate/generate.js';

beforeAll(() => loadSqlParser());

const catalog: MutationCatalog = {
  apiRoles: ['anon', 'authenticated'],
  functions: [
    { schema: 'private', name: 'is_member', identityArgs: 'org uuid', args: 'org uuid', result: 'boolean', returnsBoolean: true, securityDefiner: true },
    { schema: 'public', name: 'unused', identityArgs: '', args: '', result: 'boolean', returnsBoolean: true, securityDefiner: true },
    { schema: 'public', name: 'in_team', identityArgs: '', args: '', result: 'boolean', returnsBoolean: true, securityDefiner: false },
  ],
  triggers: [{ table: 'public.members', schema: 'public', tableName: 'members', name: 'sync claims', function: 'private.sync_claims', events: ['insert', 'delete'] }],
  tables: [
    {
      name: 'public.Tasks',
      schema: 'public',
      table: 'Tasks',
      owner: 'postgres',
      rlsEnabled: true,
      rlsForced: true,
      privileges: { anon: ['SELECT'], authenticated: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] },
      readBy: ['public.task_view'],
      invokerTriggers: false,
      policies: [
        { name: 'members "edit"', permissive: true, roles: ['authenticated'], command: 'UPDATE', using: '(org_id IN ( SELECT private.is_member(t.org_id) AS is_member))', withCheck: null },
        { name: 'no archived', permissive: false, roles: ['public'], command: 'SELECT', using: '(NOT archived)', withCheck: null },
        { name: 'own', permissive: true, roles: ['authenticated'], command: 'ALL', using: '((owner = auth.uid()) OR public.in_team())', withCheck: '(owner = auth.uid())' },
      ],
    },
  ],
};

describe('generateMutants', () => {
  it('makes every kind the catalogue allows, names quoted, statements exact, with what each affects', () => {
    const mutants = generateMutants(catalog);
    expect(mutants.map((m) => [m.id, m.statement])).toEqual([
      ['policy-drop:public.Tasks.members "edit"', 'drop policy "members ""edit""" on "public"."Tasks"'],
      ['policy-using-true:public.Tasks.members "edit"', 'alter policy "members ""edit""" on "public"."Tasks" using (true)'],
      // No WITH CHECK: the USING stands in for it on UPDATE, so making the check true is a mutant too.
      ['policy-check-true:public.Tasks.members "edit"', 'alter policy "members ""edit""" on "public"."Tasks" with check (true)'],
      ['policy-roles-public:public.Tasks.members "edit"', 'alter policy "members ""edit""" on "public"."Tasks" to public'],
      [
        'policy-flip:public.Tasks.members "edit"',
        'drop policy "members ""edit""" on "public"."Tasks"; create policy "members ""edit""" on "public"."Tasks" as restrictive for update to "authenticated" using ((org_id IN ( SELECT private.is_member(t.org_id) AS is_member)))',
      ],
      ['policy-drop:public.Tasks.no archived', 'drop policy "no archived" on "public"."Tasks"'],
      ['policy-using-true:public.Tasks.no archived', 'alter policy "no archived" on "public"."Tasks" using (true)'],
      [
        'policy-flip:public.Tasks.no archived',
        'drop policy "no archived" on "public"."Tasks"; create policy "no archived" on "public"."Tasks" as permissive for select to public using ((NOT archived))',
      ],
      ['policy-drop:public.Tasks.own', 'drop policy "own" on "public"."Tasks"'],
      ['policy-using-true:public.Tasks.own', 'alter policy "own" on "public"."Tasks" using (true)'],
      ['policy-check-true:public.Tasks.own', 'alter policy "own" on "public"."Tasks" with check (true)'],
      // A WITH CHECK of its own dropped: the policy's USING then checks written rows (ALTER POLICY cannot remove it).
      [
        'policy-check-drop:public.Tasks.own',
        'drop policy "own" on "public"."Tasks"; create policy "own" on "public"."Tasks" as permissive for all to "authenticated" using (((owner = auth.uid()) OR public.in_team()))',
      ],
      ['policy-roles-public:public.Tasks.own', 'alter policy "own" on "public"."Tasks" to public'],
      [
        'policy-flip:public.Tasks.own',
        'drop policy "own" on "public"."Tasks"; create policy "own" on "public"."Tasks" as restrictive for all to "authenticated" using (((owner = auth.uid()) OR public.in_team())) with check ((owner = auth.uid()))',
      ],
      ['rls-disable:public.Tasks', 'alter table "public"."Tasks" disable row level security'],
      ['rls-no-force:public.Tasks', 'alter table "public"."Tasks" no force row level security'],
      ['grant-widen:anon@public.Tasks', 'grant select, insert, update, delete on table "public"."Tasks" to "anon"'],
      // Only the helper a policy calls (inside a subquery), not the unused one.
      ['function-permissive:private.is_member(org uuid)', `create or replace function "private"."is_member"(org uuid) returns boolean language sql as 'select true'`],
      ['function-invoker:private.is_member(org uuid)', 'alter function "private"."is_member"(org uuid) security invoker'],
      // A SECURITY INVOKER helper answers true too, and runs as its owner (RLS no longer filters what it reads).
      ['function-permissive:public.in_team()', `create or replace function "public"."in_team"() returns boolean language sql as 'select true'`],
      ['function-definer:public.in_team()', 'alter function "public"."in_team"() security definer'],
      // A trigger that keeps a cache (AFTER, per row) is dropped before the fixtures are seeded.
      ['trigger-drop:public.members.sync claims', 'drop trigger "sync claims" on "public"."members"'],
    ]);
    const byId = new Map(mutants.map((m) => [m.id, m]));
    expect(byId.get('policy-drop:public.Tasks.members "edit"')).toMatchObject({
      affects: ['public.Tasks', 'public.task_view'],
      operations: ['update', 'upsert'],
      reach: { direction: 'narrows', commands: ['update'] },
    });
    expect(byId.get('policy-drop:public.Tasks.no archived')).toMatchObject({ reach: { direction: 'widens' }, operations: ['select', 'update', 'delete', 'upsert'] });
    expect(byId.get('policy-roles-public:public.Tasks.members "edit"')!.reach.roles).toEqual(['anon']);
    expect(byId.get('rls-disable:public.Tasks')!.operations).toBeUndefined();
    expect(byId.get('trigger-drop:public.members.sync claims')).toMatchObject({ beforeFixtures: true, affects: ['public.Tasks', 'public.members'], reach: { table: 'public.members' } });
    expect(mutants.filter((m) => m.beforeFixtures).map((m) => m.kind)).toEqual(['trigger-drop']);
    expect(byId.get('function-invoker:private.is_member(org uuid)')).toMatchObject({ affects: ['public.Tasks', 'public.task_view'], reach: { commands: ['update'], direction: 'narrows' } });
  });
});
