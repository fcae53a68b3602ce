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
  ],
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
      ['rls-disable:public.Tasks', 'alter table "public"."Tasks" disable row level security'],
      ['rls-no-force:public.Tasks', 'alter table "public"."Tasks" no force row level security'],
      ['grant-widen:anon@public.Tasks', 'grant select, insert, update, delete on table "public"."Tasks" to "anon"'],
      // Only the helper a policy calls (inside a subquery), not the unused one.
      ['function-permissive:private.is_member(org uuid)', `create or replace function "private"."is_member"(org uuid) returns boolean language sql as 'select true'`],
      ['function-invoker:private.is_member(org uuid)', 'alter function "private"."is_member"(org uuid) security invoker'],
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
    expect(byId.get('function-invoker:private.is_member(org uuid)')).toMatchObject({ affects: ['public.Tasks', 'public.task_view'], reach: { commands: ['update'], direction: 'narrows' } });
  });
});
