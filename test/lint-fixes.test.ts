import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

const shared = sharedDatabaseSuite();

// A correct schema whose policies call a SECURITY DEFINER helper in the exposed schema (the shape of
// team membership checks in multi-tenant apps): the definer lints flag the helper.
const SCHEMA = `create table public.members (team_id int not null, user_id uuid not null, primary key (team_id, user_id));
alter table public.members enable row level security;
create function public.is_member(team int) returns boolean language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.members m where m.team_id = team and m.user_id = auth.uid()) $$;
create policy "members see their teams" on public.members for select to authenticated using (public.is_member(team_id));
create table public.docs (id int primary key, team_id int not null, body text not null default '');
alter table public.docs enable row level security;
create policy "team reads" on public.docs for select to authenticated using (public.is_member(team_id));
create policy "team writes" on public.docs for update to authenticated using (public.is_member(team_id)) with check (public.is_member(team_id));
`;
const MATRIX = `version: 1
name: lint fixes stay green
database: { migrations: [./schema.sql, ./fixes.sql] }
fixtures:
  rows:
    public.members: [{ team_id: 1, user_id: "@user.alice" }, { team_id: 2, user_id: "@user.bob" }]
    public.docs: [{ id: 1, team_id: 1 }, { id: 2, team_id: 2 }]
personas:
  anon: { role: anon }
  alice: { role: authenticated }
  bob: { role: authenticated }
defaults: deny
tables:
  public.members:
    scopes: { mine: "team_id in (select team_id from public.members where user_id = auth.uid())", others: "team_id not in (select team_id from public.members where user_id = auth.uid())" }
    expect:
      alice: { select: { mine: allow, others: deny } }
      bob: { select: { mine: allow, others: deny } }
  public.docs:
    scopes: { mine: "team_id in (select team_id from public.members where user_id = auth.uid())", others: "team_id not in (select team_id from public.members where user_id = auth.uid())" }
    expect:
      alice: { select: { mine: allow, others: deny }, update: { mine: allow, others: deny } }
      bob: { select: { mine: allow, others: deny }, update: { mine: allow, others: deny } }
`;

it("every lint's suggested fix, applied to a schema whose policies call the flagged object, keeps a correct matrix green", async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'fixes.sql': '', 'rls-matrix.yaml': MATRIX });
  const matrix = join(dir, 'rls-matrix.yaml');
  const before = await runAndCollect(matrix, { provider: shared.provider() });
  expect(before.summary.counts).toMatchObject({ fail: 0, error: 0 });
  const flagged = (before.meta.lint ?? []).filter((f) => !f.waived && f.object === 'public.is_member');
  expect(flagged.map((f) => f.id).sort()).toEqual(['anon-security-definer-function-executable', 'authenticated-security-definer-function-executable']);

  // Each finding's fix on its own, then all of them together: the matrix stays green and the finding is gone.
  for (const fixes of [...flagged.map((f) => [f]), flagged]) {
    await writeFile(join(dir, 'fixes.sql'), [...new Set(fixes.map((f) => f.fix))].join('\n'));
    const after = await runAndCollect(matrix, { provider: shared.provider() });
    expect(after.summary.counts, await readFile(join(dir, 'fixes.sql'), 'utf8')).toMatchObject({ total: before.summary.counts.total, fail: 0, error: 0 });
    for (const f of fixes) expect(after.meta.lint?.some((g) => g.id === f.id && g.object === f.object)).toBe(false);
  }
}, 240_000);
