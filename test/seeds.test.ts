import { describe, expect, it } from 'vitest';
import { FixtureError } from '../fixtures/index.js';
import { HarnessError } from '../core/errors.js';
import { personaClaims } from '../harness/jwt.js';
import { runMatrix } from '../harness/run.js';
import { urlOf } from './providers-helpers.js';
import { runAndCollect, writeProject } from './helpers.js';
import { seedingSuite } from './seed-helpers.js';

// Seeds as real projects write them: supabase/seed.sql creates its own users with fixed ids (not
// RFC 4122 uuids), and SQL that must run after the persona users names them.
const SCHEMA = `
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id),
  body text not null default '',
  persona_table_gone boolean
);
alter table public.notes enable row level security;
create policy own_notes on public.notes for select to authenticated using (owner_id = auth.uid());
create policy admin_notes on public.notes for select to authenticated using ((auth.jwt() -> 'app_metadata' ->> 'role') = 'admin');
create table public.ghost_notes (owner_id uuid not null, body text);
alter table public.ghost_notes enable row level security;
create policy own_ghost_notes on public.ghost_notes for select to authenticated using (owner_id = auth.uid());
`;

const SEED = `
insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
values ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000001', 'authenticated', 'authenticated', 'alice@seed.test', '{"provider":"email"}', '{}', now(), now()),
       ('00000000-0000-0000-0000-000000000000', '00000000-0000-0000-0000-000000000002', 'authenticated', 'authenticated', 'bob@seed.test', '{"provider":"email","role":"admin"}', '{"name":"Bob"}', now(), now());
insert into public.notes (owner_id, body) values ('00000000-0000-0000-0000-000000000001', 'from seed.sql');
`;

// Runs after the persona users: names them through rls_matrix_personas, and acts as carol.
const AFTER_USERS = `
insert into public.notes (owner_id, body) select user_id, 'after users: ' || name from rls_matrix_personas where user_id is not null and name <> 'ghost';
select set_config('request.jwt.claims', claims::text, true) from rls_matrix_personas where name = 'carol';
insert into public.notes (body) values ('carol, by auth.uid()');
select set_config('request.jwt.claims', '', true);
insert into public.ghost_notes (owner_id, body) select user_id, 'ghost' from rls_matrix_personas where name = 'ghost';
`;

const MATRIX = `version: 1
name: real seeds
database: { migrations: ./schema.sql }
fixtures:
  sql: ./seed.sql
  sql_after_users: ./after-users.sql
  rows:
    public.notes:
      - { owner_id: "@user.bob", body: from fixtures.rows, persona_table_gone: "= to_regclass('rls_matrix_personas') is null" }
personas:
  alice: { role: authenticated, id: 00000000-0000-0000-0000-000000000001 }
  bob: { role: authenticated, email: BOB@seed.test }
  carol: { role: authenticated, email: carol@new.test }
  ghost: { role: authenticated, id: 00000000-0000-0000-0000-0000000000ff, user: false }
tables:
  public.notes:
    scopes:
      mine: owner_id = auth.uid()
      seeded: body = 'from seed.sql'
      carol_by_uid: body = 'carol, by auth.uid()' and owner_id = auth.uid()
      rows_after: body = 'from fixtures.rows' and persona_table_gone
    expect:
      alice: { select: { mine: allow, seeded: allow } }
      bob: { select: { mine: allow, rows_after: allow } }       # an admin by seed.sql's app metadata: reads every note
      carol: { select: { mine: allow, carol_by_uid: allow, seeded: deny } }
  public.ghost_notes:
    scopes:
      mine: owner_id = auth.uid() and not exists (select 1 from auth.users u where u.id = auth.uid())
    expect:
      ghost: { select: { mine: allow } }
`;

const PROJECT = { 'schema.sql': SCHEMA, 'seed.sql': SEED, 'after-users.sql': AFTER_USERS, 'rls-matrix.yaml': MATRIX };

const { database, provider, seeded } = seedingSuite();

describe('seeds written the way real projects write them', () => {
  it('personas bind to the users seed.sql created, by id or by email: nothing inserted twice, their claims are those users’', async () => {
    const { client, seeded: summary, error } = await seeded(PROJECT);
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ users: 1, bound: 2 });
    const users = (await client.query(`select id::text, email from auth.users order by email`)).rows;
    expect(users.map((u) => u.email)).toEqual(['alice@seed.test', 'bob@seed.test', 'carol@new.test']);
    const bound = { personas: summary!.personas };
    expect(personaClaims(bound, 'alice')).toMatchObject({ sub: '00000000-0000-0000-0000-000000000001', email: 'alice@seed.test' });
    expect(personaClaims(bound, 'bob')).toMatchObject({
      sub: '00000000-0000-0000-0000-000000000002',
      email: 'bob@seed.test',
      app_metadata: { provider: 'email', role: 'admin' },
      user_metadata: { name: 'Bob' },
    });
    // user: false keeps the token a user's (sub), with no auth.users row.
    expect(personaClaims(bound, 'ghost')).toMatchObject({ sub: '00000000-0000-0000-0000-0000000000ff', role: 'authenticated' });
    expect(users.some((u) => u.id === '00000000-0000-0000-0000-0000000000ff')).toBe(false);
  });

  it('fixtures.sql_after_users runs after the persona users and before fixtures.rows, with every persona in rls_matrix_personas, dropped afterwards', async () => {
    const { client, error } = await seeded(PROJECT);
    expect(error).toBeUndefined();
    const notes = (await client.query(`select u.email, n.body, n.persona_table_gone from public.notes n left join auth.users u on u.id = n.owner_id order by n.body, u.email`)).rows;
    expect(notes).toEqual([
      { email: 'alice@seed.test', body: 'after users: alice', persona_table_gone: null },
      { email: 'bob@seed.test', body: 'after users: bob', persona_table_gone: null },
      { email: 'carol@new.test', body: 'after users: carol', persona_table_gone: null },
      { email: 'carol@new.test', body: 'carol, by auth.uid()', persona_table_gone: null },
      { email: 'bob@seed.test', body: 'from fixtures.rows', persona_table_gone: true },
      { email: 'alice@seed.test', body: 'from seed.sql', persona_table_gone: null },
    ]);
    expect((await client.query(`select count(*)::int as n from pg_class where relname = 'rls_matrix_personas'`)).rows[0].n).toBe(0);
  });

  it('end to end, every cell passes with the bound users’ ids and claims', async () => {
    const dir = await writeProject(PROJECT);
    const { results } = await runAndCollect(`${dir}/rls-matrix.yaml`, { provider: provider() });
    expect([...results.values()].filter((r) => r.status !== 'pass').map((r) => `${r.cell.id}: ${r.outcome.class}`)).toEqual([]);
    expect(results.get('public.ghost_notes/ghost/select/mine')?.outcome.class).toBe('allowed');
  });

  it('a persona whose id and email name different users cannot be bound: the error names the persona’s line', async () => {
    const { error } = await seeded({ ...PROJECT, 'rls-matrix.yaml': MATRIX.replace('id: 00000000-0000-0000-0000-000000000001 }', 'id: 00000000-0000-0000-0000-000000000001, email: bob@seed.test }') });
    expect(error).toBeInstanceOf(FixtureError);
    expect((error as FixtureError).message).toMatch(
      /^persona 'alice' cannot be bound: user 00000000-0000-0000-0000-000000000001 exists with email alice@seed\.test, not bob@seed\.test: give the user's email, or leave email out at .*rls-matrix\.yaml:11:3$/,
    );
  });

  it('an email two users share cannot be bound either', async () => {
    const sso = `${SEED}\ninsert into auth.users (id, email, is_sso_user) values ('00000000-0000-0000-0000-000000000009', 'bob@seed.test', true);`;
    const { error } = await seeded({ ...PROJECT, 'seed.sql': sso });
    expect((error as FixtureError).message).toMatch(
      /^persona 'bob' cannot be bound: 2 users have email BOB@seed\.test \(00000000-0000-0000-0000-000000000002, 00000000-0000-0000-0000-000000000009\): give the id of the one to bind at .*rls-matrix\.yaml:12:3$/,
    );
  });

  it('on someone else’s database, after-users SQL with transaction control is refused before anything runs, like fixtures.sql', async () => {
    const dir = await writeProject({ ...PROJECT, 'after-users.sql': `${AFTER_USERS}\ncommit;\n` });
    const error = await runMatrix({ matrices: [`${dir}/rls-matrix.yaml`], provider: 'url', providerOptions: { url: urlOf(database().connection, 'postgres') }, applyMigrations: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_TRANSACTION_CONTROL');
    expect((error as HarnessError).message).toMatch(/after-users\.sql:8:1 has 'commit'/);
  });

  it('a persona that would sign up with the email of a user seed.sql created is told to bind to it', async () => {
    const seed = `${SEED}\ninsert into auth.users (id, email) values ('00000000-0000-0000-0000-00000000000d', 'dave@example.test');`;
    const matrix = MATRIX.replace('personas:\n', 'personas:\n  dave: { role: authenticated, id: 00000000-0000-0000-0000-0000000000dd }\n');
    const { error } = await seeded({ ...PROJECT, 'seed.sql': seed, 'rls-matrix.yaml': matrix });
    expect((error as FixtureError).sqlstate).toBe('23505');
    expect((error as FixtureError).message).toMatch(/^signing up persona 'dave' failed \(insert into auth\.users\): duplicate key value violates unique constraint "users_email_partial_key"/);
    expect((error as FixtureError).message).toContain(
      "hint: auth.users already has a user with this email or phone (users_email_partial_key): give the persona that user's id or email, and it binds to it instead of signing up",
    );
  });
});
