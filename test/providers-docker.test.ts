import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPlan, DEFAULT_DOCKER_IMAGE } from '../database/providers/docker.js';
import { assertDockerEngine, findDockerEndpoint } from '../database/providers/docker-engine.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { cli, withClient } from './providers-helpers.js';

const hasEngine = findDockerEndpoint() !== undefined;

describe('--provider docker', () => {
  // The machine the tests run on has no Docker engine: this is the path a user without one takes.
  it.skipIf(hasEngine)('without a Docker engine fails at once with exit 3, saying so and naming --provider embedded', async () => {
    const { code, stdout, stderr, ms } = await cli(['run', 'examples/lms', '--provider', 'docker', '--reporter', 'none']);
    expect(stdout).toBe('');
    expect(stderr).toMatch(
      /^rls-matrix: --provider docker: no Docker engine on this machine \(DOCKER_HOST is not set and there is no Docker socket at \/var\/run\/docker\.sock, .*\): start Docker or set DOCKER_HOST, or run without Docker with --provider embedded \(or --provider system to use an installed PostgreSQL\)\n$/,
    );
    expect(code).toBe(3);
    console.info(`docker, no engine: the whole command failed in ${ms.toFixed(0)} ms`);
  });

  it('names the engine it tried when DOCKER_HOST points at a socket nobody serves, or at an HTTP server that is not Docker', async () => {
    const missing = join(await mkdtemp(join(tmpdir(), 'rls-matrix-docker-')), 'docker.sock');
    const error = await assertDockerEngine({ DOCKER_HOST: `unix://${missing}` }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `--provider docker: no Docker engine answers at ${missing} (ENOENT): start the Docker daemon, or run without Docker with --provider embedded (or --provider system to use an installed PostgreSQL)`,
    );
    const notDocker = createServer((_, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => notDocker.listen(0, '127.0.0.1', resolve));
    const port = (notDocker.address() as { port: number }).port;
    try {
      const wrong = await assertDockerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` }).catch((e: Error) => e);
      expect((wrong as Error).message).toContain(`no Docker engine answers at tcp://127.0.0.1:${port} (HTTP 404 from /_ping)`);
    } finally {
      notDocker.close();
    }
  });

  it('runs postgres images with the disposable settings, and supabase/postgres images as supabase_admin with their own config file', () => {
    expect(DEFAULT_DOCKER_IMAGE).toBe('postgres:17');
    expect(containerPlan('postgres:16')).toEqual({
      image: 'postgres:16',
      user: 'postgres',
      database: 'postgres',
      command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'lc_messages=C', '-c', 'max_connections=64', '-c', 'max_locks_per_transaction=256'],
    });
    for (const image of ['supabase/postgres:15.8.1.085', 'public.ecr.aws/supabase/postgres:17.4.1.054', 'localhost:5000/supabase/postgres']) {
      const plan = containerPlan(image);
      expect(plan.user).toBe('supabase_admin');
      expect(plan.command.slice(0, 3)).toEqual(['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf']);
    }
    expect(containerPlan('ghcr.io/acme/supabase-postgres-fork:1').user).toBe('postgres');
  });
});

// What a supabase/postgres image's database holds before the shim runs, as its init scripts
// (migrations/db/init-scripts/00000000000001-auth-schema.sql) leave it: the API roles, an older
// auth.users, the legacy auth.uid()/role()/email() and no auth.jwt(). Simulated on a plain server,
// since this machine has no Docker engine to run the image itself.
const SUPABASE_IMAGE_AUTH = `
  create role anon nologin noinherit; create role authenticated nologin noinherit;
  create role service_role nologin noinherit bypassrls;
  create role authenticator login noinherit; grant anon, authenticated, service_role to authenticator;
  create schema auth;
  create table auth.users (
    instance_id uuid, id uuid not null primary key, aud varchar(255), role varchar(255), email varchar(255) unique,
    encrypted_password varchar(255), confirmed_at timestamptz, invited_at timestamptz, confirmation_token varchar(255),
    confirmation_sent_at timestamptz, recovery_token varchar(255), recovery_sent_at timestamptz, email_change_token varchar(255),
    email_change varchar(255), email_change_sent_at timestamptz, last_sign_in_at timestamptz, raw_app_meta_data jsonb,
    raw_user_meta_data jsonb, is_super_admin bool, created_at timestamptz, updated_at timestamptz);
  create function auth.uid() returns uuid language sql stable as $$
    select coalesce(current_setting('request.jwt.claim.sub', true), (current_setting('request.jwt.claims', true)::jsonb ->> 'sub'))::uuid $$;
  create function auth.role() returns text language sql stable as $$
    select coalesce(current_setting('request.jwt.claim.role', true), (current_setting('request.jwt.claims', true)::jsonb ->> 'role'))::text $$;
  create function auth.email() returns text language sql stable as $$
    select coalesce(current_setting('request.jwt.claim.email', true), (current_setting('request.jwt.claims', true)::jsonb ->> 'email'))::text $$;
`;

describe('the shim on a supabase/postgres image (simulated)', () => {
  let server: StartedDatabase | undefined;
  afterAll(() => server?.stop());

  it('keeps what the image has (legacy auth.uid(), the roles) and adds only what it lacks (auth.jwt(), new auth.users columns)', async () => {
    server = await embeddedProvider.start();
    await withClient(server.connection, 'postgres', (c) => c.query('create database image'));
    await withClient(server.connection, 'image', async (c) => {
      await c.query(SUPABASE_IMAGE_AUTH);
      const uid = async () => (await c.query(`select prosrc from pg_proc where oid = 'auth.uid()'::regprocedure`)).rows[0].prosrc as string;
      const legacyUid = await uid();
      await installSupabaseShim(c, 'legacy');
      expect(await uid()).toBe(legacyUid);
      expect((await c.query(`select to_regprocedure('auth.jwt()') is not null as has`)).rows[0].has).toBe(true);
      const { rows } = await c.query(`select rolinherit from pg_roles where rolname = 'anon'`);
      expect(rows[0].rolinherit).toBe(false); // an existing role is never altered
      const columns = (await c.query(`select array_agg(attname::text) as a from pg_attribute where attrelid = 'auth.users'::regclass and attnum > 0`)).rows[0].a as string[];
      expect(columns).toEqual(expect.arrayContaining(['is_anonymous', 'phone', 'is_sso_user', 'encrypted_password']));
      // The legacy uid() reads the claims a cell sets.
      await c.query(`select set_config('request.jwt.claims', '{"sub":"6f1c4a52-3b1e-4d8e-9d0e-1a2b3c4d5e6f","role":"authenticated"}', false)`);
      expect((await c.query(`select auth.uid()::text as uid, auth.jwt() ->> 'role' as role`)).rows[0]).toEqual({ uid: '6f1c4a52-3b1e-4d8e-9d0e-1a2b3c4d5e6f', role: 'authenticated' });
    });
  });
});
