import { beforeAll, expect, it } from 'vitest';
import type { InitTable } from '../../harness/init/catalog.js';
import { membershipOf, membershipTable } from '../../harness/init/members.js';
import { loadSqlParser } from '../../matrix/index.js';

beforeAll(() => loadSqlParser());

function table(name: string, fields: Partial<InitTable>): InitTable {
  return { name, rls: true, columns: [], references: [], expressions: [], primaryKey: ['id'], foreignKeys: [], compositeKeys: [], checks: [], ...fields };
}

const HELPERS = new Set(['rbac.is_member', 'rbac.has_permission', 'basejump.has_role_on_account']);
const groups = table('rbac.groups', { columns: ['id', 'name'], expressions: ['rbac.is_member(id)', "rbac.has_permission(id, 'group.update'::text)"] });
const members = table('rbac.members', {
  columns: ['id', 'group_id', 'user_id'],
  references: ['rbac.groups'],
  foreignKeys: [
    { column: 'group_id', table: 'rbac.groups', refColumn: 'id' },
    { column: 'user_id', table: 'auth.users', refColumn: 'id' },
  ],
});
const permissions = table('rbac.member_permissions', {
  columns: ['id', 'group_id', 'user_id', 'permission'],
  references: ['rbac.groups', 'rbac.members'],
  foreignKeys: [
    { column: 'group_id', table: 'rbac.groups', refColumn: 'id' },
    { column: 'user_id', table: 'auth.users', refColumn: 'id' },
  ],
  expressions: ["(rbac.has_permission(group_id, 'members.manage'::text) OR (user_id = ( SELECT auth.uid() AS uid)))", 'rbac.is_member(group_id)'],
});

it('finds the membership helper a policy calls on a column, as deparsed, with the fewest arguments; the group is the table itself for its key, or the table the column points at', () => {
  expect(membershipOf(groups, HELPERS)).toEqual({ call: 'rbac.is_member(id)', helper: 'rbac.is_member', column: 'id', group: { table: 'rbac.groups', key: 'id' }, template: 'rbac.is_member($KEY)' });
  expect(membershipOf(permissions, HELPERS)).toMatchObject({ call: 'rbac.is_member(group_id)', column: 'group_id', group: { table: 'rbac.groups', key: 'id' } });
  const invitations = table('basejump.invitations', {
    columns: ['id', 'account_id'],
    foreignKeys: [{ column: 'account_id', table: 'basejump.accounts', refColumn: 'id' }],
    expressions: ["(basejump.has_role_on_account(account_id, 'owner'::basejump.account_role) = true)"],
  });
  expect(membershipOf(invitations, HELPERS)).toMatchObject({
    call: "basejump.has_role_on_account(account_id, 'owner'::basejump.account_role)",
    template: "basejump.has_role_on_account($KEY, 'owner'::basejump.account_role)",
  });
});

it('ignores functions that are not the project boolean helpers, arguments that are not the table columns, and columns that point at no group', () => {
  expect(membershipOf(table('t', { columns: ['id', 'team_id'], expressions: ['(public.other(team_id))', "rbac.is_member('x'::uuid)"] }), HELPERS)).toBeUndefined();
  expect(membershipOf(table('t', { columns: ['id', 'team_id'], primaryKey: [], expressions: ['rbac.is_member(team_id)'] }), HELPERS)).toBeUndefined();
});

it('a column with no foreign key takes the group the same helper is called on elsewhere (rbac: sensitive_data.owned_by_group)', () => {
  const data = table('public.sensitive_data', { columns: ['id', 'owned_by_group'], expressions: ["rbac.has_permission(owned_by_group, 'data.read'::text)"] });
  expect(membershipOf(data, HELPERS)).toBeUndefined();
  expect(membershipOf(data, HELPERS, new Map([['rbac.has_permission', { table: 'rbac.groups', key: 'id' }]]))).toMatchObject({ column: 'owned_by_group', group: { table: 'rbac.groups', key: 'id' } });
});

it('chooses as the table of members the one other tables point at (members, not member_permissions)', () => {
  expect(membershipTable({ table: 'rbac.groups', key: 'id' }, [groups, permissions, members])).toEqual({ table: 'rbac.members', groupColumn: 'group_id', userColumn: 'user_id' });
  expect(membershipTable({ table: 'rbac.groups', key: 'id' }, [groups])).toBeUndefined();
});
