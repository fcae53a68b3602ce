import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

// The foreign-key filler picks a referenced row in physical (insertion) order: a seed with random
// keys gives the same choice in every run.
const shared = sharedDatabaseSuite();

const schema = (firstId: string, secondId: string) => `
create table public.parents (id uuid primary key, name text not null);
create table public.children (id uuid primary key default gen_random_uuid(), parent_id uuid not null references public.parents, note text);
insert into public.parents values ('${firstId}', 'first'), ('${secondId}', 'second');
`;

const MATRIX = `
version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.children:
      - { note: filled }
personas:
  admin: { role: service_role }
tables:
  public.children:
    scopes:
      of_first: parent_id = (select id from public.parents where name = 'first')
      of_second: parent_id = (select id from public.parents where name = 'second')
    expect:
      admin: { select: { of_first: allow, of_second: allow } }
`;

const LOW = '00000000-0000-4000-8000-000000000001';
const HIGH = 'ffffffff-ffff-4fff-bfff-ffffffffffff';

describe('foreign-key filler', () => {
  it('picks the same row whatever random values the seed gave the keys', async () => {
    const picks: number[][] = [];
    // The same seed twice, with the keys' order flipped (as two runs of gen_random_uuid() may give).
    for (const [first, second] of [
      [LOW, HIGH],
      [HIGH, LOW],
    ] as const) {
      const dir = await writeProject({ 'rls-matrix.yaml': MATRIX, 'schema.sql': schema(first, second) });
      const { results } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider() });
      picks.push(['of_first', 'of_second'].map((scope) => results.get(`public.children/admin/select/${scope}`)!.outcome.targetRows));
    }
    expect(picks[0]!.reduce((a, b) => a + b)).toBe(1);
    expect(picks[1]).toEqual(picks[0]);
  }, 60_000);
});
