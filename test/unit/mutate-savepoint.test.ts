import { beforeAll, describe, expect, it } from 'vitest';
import type { Mutant } from '../../core/index.js';
import { loadSqlParser } from '../../matrix/sql-parser.js';
import { runsInSavepoint } from '../../mutate/in-savepoint.js';

beforeAll(() => loadSqlParser());

const mutant = (statement: string, extra: Partial<Mutant> = {}): Mutant => ({
  id: 'x',
  kind: 'policy-drop',
  object: 'x',
  description: 'x',
  statement,
  affects: [],
  reach: { table: 'public.t', roles: ['public'], commands: ['select'], direction: 'widens', rows: 'rows' },
  ...extra,
});

describe('runsInSavepoint', () => {
  it('keeps transactional DDL in a savepoint', () => {
    expect(runsInSavepoint(mutant('drop policy "p" on "public"."t"; create policy "p" on "public"."t" as restrictive using (true)'))).toBe(true);
    expect(runsInSavepoint(mutant(`create or replace function "public"."f"() returns boolean language sql as 'select true'`))).toBe(true);
    expect(runsInSavepoint(mutant('grant select, insert, update, delete on table "public"."t" to "anon"'))).toBe(true);
  });

  it('sends what a transaction cannot hold or a rollback cannot undo to a copy of its own', () => {
    expect(runsInSavepoint(mutant('create index concurrently on public.t (a)'))).toBe(false);
    expect(runsInSavepoint(mutant(`alter type public.mood add value 'meh'`))).toBe(false);
    expect(runsInSavepoint(mutant('vacuum public.t'))).toBe(false);
    expect(runsInSavepoint(mutant('commit'))).toBe(false);
    expect(runsInSavepoint(mutant(`select setval('public.t_id_seq', 1)`))).toBe(false);
    expect(runsInSavepoint(mutant('not sql at all'))).toBe(false);
    // Applied before the fixtures: it needs them seeded again.
    expect(runsInSavepoint(mutant('drop trigger "t" on "public"."t"', { beforeFixtures: true }))).toBe(false);
  });
});
