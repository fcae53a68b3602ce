import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { installSupabaseShim } from '../database/shim/install.js';
import type { ResultsFile } from '../reports/json.js';
import { writeProject } from './helpers.js';
import { cli, fingerprint, urlOf, withClient } from './providers-helpers.js';

// A typical CI role is no superuser. When it cannot install the Supabase shim, the run says which
// privilege the role lacks, what the shim needed it for, and what to do, instead of only
// PostgreSQL's "must be member of role postgres". Against a separately started PostgreSQL, as
// --provider url runs in CI; the databases are left exactly as they were.

// Two servers: roles are shared by a whole server, so one without any Supabase role, and one where
// the shim was installed by a superuser (as on Supabase, every role, schema and table exists).
let bare: StartedDatabase;
let supabase: StartedDatabase;
const PASSWORD = 'ci-Role-pw-9184';
const before = new Map<StartedDatabase, Record<string, string>>();

async function addCiRoles(server: StartedDatabase): Promise<void> {
  await withClient(server.connection, 'postgres', async (admin) => {
    await admin.query('create database app');
    // A login role with no attribute and no grant: a typical CI role.
    await admin.query(`create role ci_runner login password '${PASSWORD}'`);
    // One with what the shim needs, without being a superuser.
    await admin.query(`create role ci_admin login createrole bypassrls password '${PASSWORD}'`);
    await admin.query('grant create on database app to ci_admin');
    await admin.query('grant postgres to ci_admin');
  });
}

beforeAll(async () => {
  [bare, supabase] = await Promise.all([embeddedProvider.start(), embeddedProvider.start()]);
  await Promise.all([addCiRoles(bare), addCiRoles(supabase)]);
  await withClient(supabase.connection, 'app', (client) => installSupabaseShim(client, 'legacy'));
  for (const server of [bare, supabase]) before.set(server, await withClient(server.connection, 'app', fingerprint));
});

afterAll(async () => {
  await Promise.all([bare?.stop(), supabase?.stop()]);
});

const url = (server: StartedDatabase, role = 'ci_runner') => urlOf(server.connection, 'app', role, PASSWORD);
const project = () => writeProject({ 'rls-matrix.yaml': 'version: 1\npersonas: { anon: { role: anon } }\ndefaults: deny\n' });
const unchanged = async (server: StartedDatabase) => expect(await withClient(server.connection, 'app', fingerprint)).toEqual(before.get(server));

describe('the Supabase shim as a role that is not a superuser', () => {
  it('on a plain server: names every privilege the role lacks and what each was needed for (exit 3)', async () => {
    const dir = await project();
    const { code, stderr } = await cli(['run', dir, '--url', url(bare), '--reporter', 'none']);
    expect(stderr).toMatch(/^rls-matrix: installing the Supabase shim failed: .+ \(SQLSTATE 42501\)\n/);
    expect(stderr).toContain(
      '\n  the connecting role ci_runner is not a superuser, and lacks what the shim needs on this database:\n' +
        '  - CREATEROLE, to create the roles anon, authenticated, service_role, authenticator, supabase_admin, supabase_auth_admin, supabase_storage_admin, dashboard_user\n' +
        '  - BYPASSRLS, to create service_role BYPASSRLS as Supabase has it (a role with CREATEROLE must hold BYPASSRLS itself to give it)\n' +
        '  - CREATE on database app, to create the schemas extensions, auth, storage and the extensions pgcrypto, uuid-ossp\n' +
        "  - membership in role postgres, to set Supabase's default privileges for what postgres creates in schema public (grants: legacy)\n",
    );
    expect(stderr).toContain(
      '  On a Supabase project every role, schema and table exists and the shim creates none of them: connect as postgres there. ' +
        `Elsewhere connect as a superuser or give the role what it lacks; or set database.supabase: false in ${join(dir, 'rls-matrix.yaml')} if the database brings its own auth schema.\n`,
    );
    expect(code).toBe(3);
    await unchanged(bare);
  });

  it('where every object exists (as on Supabase): only what looking them up and the default privileges need', async () => {
    const { code, stderr } = await cli(['run', await project(), '--url', url(supabase), '--reporter', 'none']);
    expect(stderr).toContain(
      '\n  the connecting role ci_runner is not a superuser, and lacks what the shim needs on this database:\n' +
        '  - USAGE on the schemas extensions, auth, storage, to look up what exists in them (on Supabase, membership in anon, authenticated and service_role gives it; a run needs that membership anyway)\n' +
        "  - membership in role postgres, to set Supabase's default privileges for what postgres creates in schema public (grants: legacy)\n  On",
    );
    expect(code).toBe(3);
    await unchanged(supabase);
  });

  it('a role that holds those privileges installs it', async () => {
    const { stderr } = await cli(['run', await project(), '--url', url(bare, 'ci_admin'), '--reporter', 'none']);
    expect(stderr).not.toContain('installing the Supabase shim failed');
    await unchanged(bare);
  });

  it('refuses a role that cannot read, RLS-free, auth.users and the tables its cells address, naming what it lacks (exit 3)', async () => {
    // A role that may install nothing but may act as postgres and the API roles: it may not read
    // auth.users (owned by supabase_auth_admin, RLS on; with SELECT alone it would see no user and
    // sign alice up again), and the scopes of a table another role owns, RLS on, would fail.
    await withClient(supabase.connection, 'postgres', async (admin) => {
      await admin.query(`create role ci_reader login password '${PASSWORD}'`);
      await admin.query('grant postgres, anon, authenticated, service_role to ci_reader');
    });
    await withClient(supabase.connection, 'app', async (admin) => {
      await admin.query(`create table public.ledger (id int primary key, amount int);
        alter table public.ledger enable row level security;
        create policy "read all" on public.ledger for select to service_role using (true);
        revoke all on public.ledger from public, anon, authenticated, postgres;
        grant select on public.ledger to service_role;
        alter table public.ledger owner to supabase_admin;
        insert into auth.users (id, email) values ('11111111-1111-4111-8111-111111111111', 'alice@example.test');`);
    });
    before.set(supabase, await withClient(supabase.connection, 'app', fingerprint));
    const dir = await writeProject({
      'rls-matrix.yaml': `version: 1
personas: { alice: { role: authenticated, email: alice@example.test } }
tables:
  public.ledger:
    expect: { alice: { select: deny } }
`,
    });
    const refused = await cli(['run', dir, '--url', url(supabase, 'ci_reader'), '--reporter', 'none']);
    expect(refused.stderr).toBe(
      'rls-matrix: the connecting role ci_reader cannot read every row the run must see: the harness reads these tables as their owner would, with RLS off, to know which rows each cell should touch and which users exist\n' +
        '  - auth.users: lacks SELECT and a way around its row-level security (neither BYPASSRLS nor membership in its owner supabase_auth_admin), needed to bind personas to existing users by id or email, and to sign up the others\n' +
        '  - public.ledger: lacks a way around its row-level security (neither BYPASSRLS nor membership in its owner supabase_admin), needed to evaluate the scopes and find the rows each cell addresses\n' +
        `  Connect as a role with BYPASSRLS (on Supabase, postgres has it), or have an admin run  alter role "ci_reader" bypassrls;  grant select on auth.users to "ci_reader";  (cells still run as the personas' roles, under RLS).\n`,
    );
    expect(refused.code).toBe(3);
    await unchanged(supabase);

    // Given what the message asks for, alice binds to her existing user, and the cell runs.
    await withClient(supabase.connection, 'postgres', async (admin) => {
      await admin.query('alter role ci_reader bypassrls');
      await withClient(supabase.connection, 'app', (app) => app.query('grant select on auth.users to ci_reader'));
    });
    before.set(supabase, await withClient(supabase.connection, 'app', fingerprint));
    const out = join(dir, 'report');
    const ran = await cli(['run', dir, '--url', url(supabase, 'ci_reader'), '--reporter', 'json', '--out', out]);
    expect(ran.stderr).toBe('');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(results.results.map((r) => `${r.cell.id} ${r.status} ${r.outcome.class}`)).toEqual(['public.ledger/alice/select/* pass denied:privilege']);
    expect(ran.code).toBe(0);
    await unchanged(supabase);
  });

  it("gives the tables its migrations create Supabase's legacy default grants, as those postgres creates get", async () => {
    // Where the roles exist (as on Supabase), a CI role that may act as them and applies the migrations itself.
    await withClient(supabase.connection, 'postgres', (admin) => admin.query('grant anon, authenticated, service_role to ci_admin'));
    const dir = await writeProject({
      'schema.sql': `create table public.posts (id uuid primary key default gen_random_uuid(), title text);
alter table public.posts enable row level security;
create policy "public read" on public.posts for select using (true);`,
      'rls-matrix.yaml': `version: 1
database: { migrations: ./schema.sql }
fixtures: { rows: { public.posts: [{ title: hello }] } }
personas: { anon: { role: anon }, service: { role: service_role } }
tables:
  public.posts:
    expect: { anon: { select: allow, insert: deny }, service: { select: allow, insert: allow } }
`,
    });
    const out = join(dir, 'report');
    const { code, stderr } = await cli(['run', dir, '--url', url(supabase, 'ci_admin'), '--apply-migrations', '--reporter', 'json', '--out', out]).finally(() =>
      withClient(supabase.connection, 'postgres', (admin) => admin.query('revoke anon, authenticated, service_role from ci_admin')),
    );
    expect(stderr).toBe('');
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as ResultsFile;
    expect(Object.fromEntries(results.results.map((r) => [r.cell.id, `${r.status} ${r.outcome.class}`]))).toEqual({
      'public.posts/anon/select/*': 'pass allowed',
      'public.posts/anon/insert/*': 'pass denied:policy',
      'public.posts/service/select/*': 'pass allowed',
      'public.posts/service/insert/*': 'pass allowed',
    });
    expect(code).toBe(0);
    await unchanged(supabase);
  });
});
