import { describe, expect, it } from 'vitest';
import { FixtureError } from '../fixtures/index.js';
import { runAndCollect, writeProject } from './helpers.js';
import { seedingSuite } from './seed-helpers.js';

// The SaaS-starter shape: a trigger on auth.users builds the user's personal account and adds them
// as its owner; a trigger on accounts ALSO adds the owner when primary_owner = auth.uid(). Signed
// up as Supabase Auth does (no JWT claims, so auth.uid() is NULL there) only the first adds the
// membership; with the new user's claims set, both would, and the sign-up would fail with 23505.
const SCHEMA = `
create schema app;
grant usage on schema app to authenticated, service_role;
create table app.accounts (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id),
  personal boolean not null default false,
  name text
);
create table app.members (user_id uuid not null references auth.users (id), account_id uuid not null references app.accounts (id), primary key (user_id, account_id));
-- What each sign-up looked like from inside its triggers.
create table app.signups (user_id uuid primary key, uid_in_trigger uuid, acting_role text, search_path text, role_at_insert text, confirmed_at_insert boolean);
grant select, insert, update, delete on app.accounts, app.members to authenticated, service_role;
alter table app.accounts enable row level security;
alter table app.members enable row level security;
create policy member_reads on app.accounts for select to authenticated using (id in (select account_id from app.members where user_id = auth.uid()));
create policy creates_team on app.accounts for insert to authenticated with check (not personal);
create policy own_rows on app.members for select to authenticated using (user_id = auth.uid());

create function app.add_current_user() returns trigger language plpgsql security definer set search_path = public as $$
begin
  if new.owner_id = auth.uid() then insert into app.members (user_id, account_id) values (auth.uid(), new.id); end if;
  return new;
end $$;
create trigger add_current_user after insert on app.accounts for each row execute function app.add_current_user();

-- Invoker, no search_path of its own: sees the session as the sign-up left it.
create function app.observe_signup() returns trigger language plpgsql as $$
begin
  perform set_config('app.signup', json_build_object('uid', auth.uid(), 'role', current_setting('role'), 'search_path', current_setting('search_path'),
                                                      'user_role', new.role, 'confirmed', new.email_confirmed_at is not null)::text, true);
  return new;
end $$;
create trigger observe_signup before insert on auth.users for each row execute function app.observe_signup();

create function app.new_user_setup() returns trigger language plpgsql security definer set search_path = public as $$
declare seen jsonb := current_setting('app.signup')::jsonb;
begin
  insert into app.signups values (new.id, (seen ->> 'uid')::uuid, seen ->> 'role', seen ->> 'search_path', seen ->> 'user_role', (seen ->> 'confirmed')::boolean);
  insert into app.accounts (id, owner_id, personal, name) values (new.id, new.id, true, split_part(new.email, '@', 1));
  insert into app.members (user_id, account_id) values (new.id, new.id);
  return new;
end $$;
create trigger on_auth_user_created after insert on auth.users for each row execute function app.new_user_setup();
`;

const MATRIX = `version: 1
name: personal accounts
schemas: [app]
database: { migrations: ./schema.sql }
fixtures:
  rows:
    app.accounts:
      - { $as: alice, id: "@acme", name: Acme }
personas:
  alice: { role: authenticated, email: alice@acme.test }
  bob: { role: authenticated, email: Bob@Acme.test, claims: { user_metadata: { plan: pro } } }
tables:
  app.accounts:
    scopes:
      personal: id = auth.uid()
      team: not personal
    expect:
      alice: { select: { personal: allow, team: allow } }
      bob: { select: { personal: allow, team: deny } }
  app.members:
    scopes: { mine: user_id = auth.uid() }
    expect:
      alice: { select: { mine: allow } }
      bob: { select: { mine: allow } }
`;

const { provider, seeded } = seedingSuite();

describe('persona users sign up as Supabase Auth signs users up', () => {
  it('a trigger-built personal account whose accounts trigger adds the owner when owner = auth.uid() seeds once, and the run passes', async () => {
    const { client, seeded: summary, error } = await seeded({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    expect(error).toBeUndefined();
    expect(summary).toMatchObject({ users: 2, bound: 0, rows: 1 });
    // One membership per personal account (not two), plus alice's in Acme from the accounts trigger.
    const members = (await client.query(`select u.email, a.personal from app.members m join auth.users u on u.id = m.user_id join app.accounts a on a.id = m.account_id order by 1, 2`)).rows;
    expect(members).toEqual([
      { email: 'alice@acme.test', personal: false },
      { email: 'alice@acme.test', personal: true },
      { email: 'bob@acme.test', personal: true },
    ]);
    // Inside the triggers: no claims, as supabase_auth_admin with its search_path, role still empty, not yet confirmed.
    const signups = (await client.query(`select uid_in_trigger, acting_role, search_path, role_at_insert, confirmed_at_insert from app.signups`)).rows;
    expect(signups).toEqual(Array(2).fill({ uid_in_trigger: null, acting_role: 'supabase_auth_admin', search_path: 'auth', role_at_insert: '', confirmed_at_insert: false }));
  });

  it('writes the columns GoTrue writes: role set after the insert, email lower-cased and confirmed, an email identity, the session settings restored', async () => {
    const { client, matrix, error } = await seeded({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    expect(error).toBeUndefined();
    const bob = (
      await client.query(`select id::text, aud, role, email, phone, encrypted_password, confirmation_token, instance_id::text, is_sso_user, is_anonymous,
                                            email_confirmed_at is not null as confirmed, raw_app_meta_data, raw_user_meta_data
                                       from auth.users where email = 'bob@acme.test'`)
    ).rows[0];
    expect(bob).toMatchObject({
      aud: 'authenticated',
      role: 'authenticated',
      phone: null,
      encrypted_password: '',
      confirmation_token: '',
      instance_id: '00000000-0000-0000-0000-000000000000',
      is_sso_user: false,
      is_anonymous: false,
      confirmed: true,
      raw_app_meta_data: { provider: 'email', providers: ['email'] },
      raw_user_meta_data: { plan: 'pro', email_verified: true },
    });
    const identity = (await client.query(`select provider, provider_id, identity_data ->> 'email' as email, identity_data ->> 'sub' as sub from auth.identities where user_id = $1`, [bob.id])).rows;
    expect(identity).toEqual([{ provider: 'email', provider_id: bob.id, email: 'bob@acme.test', sub: bob.id }]);
    expect(matrix.personas.bob?.email).toBe('Bob@Acme.test');
  });

  it('the same schema end to end: every cell passes', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    const { summary, results } = await runAndCollect(`${dir}/rls-matrix.yaml`, { provider: provider() });
    expect([...results.values()].filter((r) => r.status !== 'pass').map((r) => `${r.cell.id}: ${r.outcome.class}`)).toEqual([]);
    expect(summary.counts.total).toBeGreaterThan(4);
  });

  it('a 23505 from a trigger names the constraint, the trigger chain and the sign-up, not missing columns', async () => {
    const once = `insert into app.members (user_id, account_id) values (new.id, new.id);\n  return new;`;
    const twice = SCHEMA.replace(once, () => `insert into app.members (user_id, account_id) values (new.id, new.id);\n  ${once}`);
    expect(twice).not.toBe(SCHEMA);
    const { error } = await seeded({ 'schema.sql': twice, 'rls-matrix.yaml': MATRIX });
    expect(error).toBeInstanceOf(FixtureError);
    const message = (error as FixtureError).message;
    expect(message).toMatch(/^signing up persona 'alice' failed \(insert into auth\.users\): duplicate key value violates unique constraint "members_pkey" at .*rls-matrix\.yaml:10:3/);
    expect(message).toContain('SQLSTATE 23505: Key (user_id, account_id)=');
    expect(message).toMatch(/raised in \(innermost first\):\n {4}SQL statement "insert into app\.members[^\n]*\n {4}PL\/pgSQL function app\.new_user_setup\(\) line 7 at SQL statement/);
    expect(message).toContain('hint: the functions listed above wrote a row that already exists (unique constraint members_pkey on app.members)');
    expect(message).toContain('as supabase_auth_admin with search_path auth, no JWT claims set');
    expect(message).toContain('SQL: insert into auth.users ("instance_id", "id", "aud", "role", "email",');
    expect(message).not.toContain('columns or rows the fixtures do not give');
  });

  it('a table a trigger names that does not exist: qualified, the hint is about the name; unqualified, about the search path', async () => {
    const write = 'insert into app.signups values';
    for (const [written, hint] of [
      ['app.signups_gone', 'hint: the functions listed above name app.signups_gone, which does not exist when the persona users sign up: check the name, and that a migration creates it'],
      ['signups', 'hint: the functions listed above name a table or function they cannot find with search_path auth'],
    ] as const) {
      const schema = SCHEMA.replace(write, () => `insert into ${written} values`);
      expect(schema).not.toBe(SCHEMA);
      const { error } = await seeded({ 'schema.sql': schema, 'rls-matrix.yaml': MATRIX });
      expect((error as FixtureError).sqlstate).toBe('42P01');
      expect((error as FixtureError).message).toContain(hint);
      expect((error as FixtureError).message.includes('qualify the names')).toBe(written === 'signups');
    }
  });

  it('an invoker trigger writing a table supabase_auth_admin may not write fails as on Supabase, pointing at SECURITY DEFINER', async () => {
    const invoker = SCHEMA.replace(
      'function app.new_user_setup() returns trigger language plpgsql security definer set search_path = public',
      () => 'function app.new_user_setup() returns trigger language plpgsql',
    );
    expect(invoker).not.toBe(SCHEMA);
    const { error } = await seeded({ 'schema.sql': invoker, 'rls-matrix.yaml': MATRIX });
    expect((error as FixtureError).sqlstate).toBe('42501');
    expect((error as FixtureError).message).toMatch(/permission denied for (schema app|table signups)/);
    expect((error as FixtureError).message).toContain('ran as supabase_auth_admin (as on Supabase) and lacks a privilege');
    expect((error as FixtureError).message).toContain('must be SECURITY DEFINER');
  });
});
