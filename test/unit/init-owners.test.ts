import { beforeAll, expect, it } from 'vitest';
import { ownerColumns } from '../../harness/init/owners.js';
import { loadSqlParser } from '../../matrix/index.js';

beforeAll(() => loadSqlParser());

const COLUMNS = ['id', 'owner_id', 'user_id', 'author_id', 'team_id'];

it('finds the columns a policy compares with auth.uid(), however PostgreSQL deparses the comparison, most compared first', () => {
  expect(ownerColumns(['(owner_id = auth.uid())'], COLUMNS)).toEqual(['owner_id']);
  expect(ownerColumns(['(( SELECT auth.uid() AS uid) = user_id)'], COLUMNS)).toEqual(['user_id']);
  expect(ownerColumns(['((author_id)::text = (auth.uid())::text)'], COLUMNS)).toEqual(['author_id']);
  expect(ownerColumns(['((notes.owner_id = auth.uid()) OR (user_id = auth.uid()))', '(user_id = auth.uid())', null], COLUMNS)).toEqual(['user_id', 'owner_id']);
});

it('ignores comparisons inside a subquery, with other functions, with other operators, and names the table does not have', () => {
  expect(ownerColumns(['(team_id IN ( SELECT m.team_id FROM public.members m WHERE (m.user_id = auth.uid())))'], COLUMNS)).toEqual([]);
  expect(ownerColumns(['(owner_id = public.current_owner())', '(owner_id <> auth.uid())', '(creator = auth.uid())', '(owner_id = COALESCE(auth.uid(), id))'], COLUMNS)).toEqual([]);
});
