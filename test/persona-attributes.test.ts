import { describe, expect, it } from 'vitest';
import { stableUuid } from '../fixtures/references.js';
import { runMatrix } from '../harness/run.js';
import { loadMatrix } from '../matrix/index.js';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

// One row template that means "mine" for every persona: each persona names its team, and rows,
// set:, rpc arguments and scopes read the acting persona's team.
const SCHEMA = `
create table public.teams (id uuid primary key, name text not null);
create table public.memberships (user_id uuid not null references auth.users (id), team_id uuid not null references public.teams (id), primary key (user_id, team_id));
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id),
  owner_id uuid references auth.users (id),
  body text not null default ''
);
alter table public.notes enable row level security;
create function public.my_teams() returns setof uuid language sql stable security definer set search_path = public as $$
  select team_id from public.memberships where user_id = auth.uid()
$$;
create policy team_reads on public.notes for select to authenticated using (team_id in (select public.my_teams()));
create policy team_writes on public.notes for insert to authenticated with check (team_id in (select public.my_teams()));
create policy team_updates on public.notes for update to authenticated using (team_id in (select public.my_teams()));
create policy team_deletes on public.notes for delete to authenticated using (team_id in (select public.my_teams()));
create function public.team_notes(team uuid) returns setof public.notes language sql stable as $$
  select * from public.notes where team_id = team
$$;
`;

const MATRIX = `version: 1
name: per-persona rows
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.teams: [{ id: "@team_a", name: A }, { id: "@team_b", name: B }]
    public.memberships:
      - { user_id: "@user.alice", team_id: "@team_a" }
      - { user_id: "@user.carol", team_id: "@team_a" }
      - { user_id: "@user.bob", team_id: "@team_b" }
    public.notes:
      - { team_id: "@team_a", body: "{persona.team}" }
      - { team_id: "@team_b", body: b }
      - { $as: bob, team_id: "@persona.team", owner_id: "@persona.id", body: "= 'written as ' || {persona.name}" }
personas:
  alice: { role: authenticated, attributes: { team: "@team_a", rival: "@team_b" } }
  bob: { role: authenticated, attributes: { team: "@team_b", rival: "@team_a" } }
  carol: { role: authenticated, attributes: { team: "@team_a", rival: "@team_b" } }
x-mine: &mine
  select: { own: allow, others: deny }
  insert: { own: allow, others: deny }
  update: { own: allow, others: deny }
  rename: { own: allow }
  delete: { own: allow, others: deny }
tables:
  public.notes:
    scopes:
      own: team_id = {persona.team}
      others: team_id = {persona.rival}
      braces: body = '{persona.team}'
    rows:
      own: { team_id: "@persona.team", owner_id: "@persona.id", body: "= 'note of ' || {persona.name}" }
      others: { team_id: "@persona.rival", owner_id: "@persona.id" }
    cases:
      rename: { op: update, set: { body: "= 'renamed by ' || {persona.email}" } }
    expect:
      alice: { <<: *mine, select: { own: allow, others: deny, braces: allow } }
      bob: *mine
      carol: *mine
functions:
  public.team_notes:
    args: { team: "@persona.team" }
    rows: { alice: 1, bob: 2, carol: 1 }
    expect: { alice: allow, bob: allow, carol: allow }
`;

const { provider } = sharedDatabaseSuite();

const errorOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  );

/** `line:column` of `key` on the first line of `text` that contains `lineText`. */
function position(text: string, lineText: string, key: string): string {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(lineText));
  return `${line + 1}:${lines[line]!.indexOf(key) + 1}`;
}

describe('persona attributes: one row template serves every persona', () => {
  it('rows, set:, rpc args and scopes read the acting persona’s attributes; every cell passes', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    const { results } = await runAndCollect(`${dir}/rls-matrix.yaml`, { provider: provider() });
    expect([...results.values()].filter((r) => r.status !== 'pass').map((r) => `${r.cell.id}: ${r.outcome.class} ${r.outcome.error?.message ?? ''}`)).toEqual([]);
    const insert = (persona: string) => results.get(`public.notes/${persona}/insert/own`)!.sql;
    expect(insert('alice')).toContain(`'${stableUuid('team_a')}'`);
    expect(insert('alice')).toContain(`'note of alice'`);
    expect(insert('bob')).toContain(`'${stableUuid('team_b')}'`);
    expect(insert('bob')).toContain(`'note of bob'`);
    expect(results.get('public.notes/carol/rename/own')!.sql).toContain(`"body" = 'renamed by carol@example.test'`);
    // Inside a string literal a placeholder is text: the fixture row's body is literally '{persona.team}'.
    expect(results.get('public.notes/alice/select/braces')!.outcome).toMatchObject({ class: 'allowed', rows: 1, targetRows: 1 });
    expect(results.get('public.team_notes()/bob/rpc/*')!.outcome).toMatchObject({ class: 'allowed', rows: 2 });
  });

  it('an attribute no persona has is a matrix error at its line, with the nearest name', async () => {
    const matrix = MATRIX.replace('own: team_id = {persona.team}', 'own: team_id = {persona.teem}');
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': matrix });
    const error = await errorOf(loadMatrix(`${dir}/rls-matrix.yaml`));
    expect(error?.message).toBe(
      `{persona.teem}: no persona has an attribute 'teem' (built in: id, email, name) at ${dir}/rls-matrix.yaml:${position(matrix, '{persona.teem}', 'own')} — did you mean 'team'?`,
    );
  });

  it('a persona without an attribute its cells read is an error at the row that reads it, before any cell runs', async () => {
    const matrix = MATRIX.replace('carol: { role: authenticated, attributes: { team: "@team_a", rival: "@team_b" } }', 'carol: { role: authenticated, attributes: { team: "@team_a" } }');
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': matrix });
    let ran = 0;
    const error = await errorOf(runMatrix({ matrices: [`${dir}/rls-matrix.yaml`], provider: provider(), reporters: [{ onCellResult: () => void ran++ }] }));
    expect(ran).toBe(0);
    expect(error?.message).toContain(
      `persona 'carol' has no attribute 'rival', which scope 'others' of public.notes reads for its select cell: add it under personas.carol.attributes (it has team) at ${dir}/rls-matrix.yaml:${position(matrix, 'others: team_id', 'others')}`,
    );
    expect(error?.message).toContain(
      `persona 'carol' has no attribute 'rival', which the row it writes of public.notes reads for its insert cell: add it under personas.carol.attributes (it has team) at ${dir}/rls-matrix.yaml:${position(matrix, 'others: { team_id', 'others')}`,
    );
  });

  it('"@persona.X" in a fixture row needs $as; other placeholders and SQL attributes are refused', async () => {
    const matrix = MATRIX.replace('- { team_id: "@team_b", body: b }', '- { team_id: "@persona.team", body: "= {user.alice}" }').replace('rival: "@team_b" } }\n  bob', 'rival: "= 1" } }\n  bob');
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': matrix });
    const error = await errorOf(loadMatrix(`${dir}/rls-matrix.yaml`));
    const lines = error?.message.split('\n') ?? [];
    const at = (lineText: string, key: string) => `${dir}/rls-matrix.yaml:${position(matrix, lineText, key)}`;
    expect(lines).toEqual([
      `attribute 'rival' of persona alice is a value ("@ref", "@user.X", text, a number), not SQL or another attribute at ${at('rival: "= 1"', 'rival')}`,
      `'@persona.team' reads the acting persona, and no persona acts here: give the row $as: <persona> at ${at('{user.alice}', 'team_id')}`,
      `unknown placeholder {user.alice}: the placeholders are {persona.X}, the acting persona's id, email, name or attribute X at ${at('{user.alice}', 'body')}`,
    ]);
  });
});
