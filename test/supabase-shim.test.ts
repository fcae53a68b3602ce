import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { mintIdentities, personaClaims, verifyToken } from '../harness/jwt.js';
import { installSupabaseShim } from '../database/shim/install.js';
import type { StartedDatabase } from '../database/providers/types.js';
import type { LoadedMatrix } from '../matrix/types.js';
import { personaUserId } from '../fixtures/references.js';
import { startSharedDatabase } from './helpers.js';

let database: StartedDatabase;
let client: pg.Client;

beforeAll(async () => {
  ({ database } = await startSharedDatabase());
  client = new pg.Client(database.connection);
  await client.connect();
  await client.query('create database shim_test');
  await client.end();
  client = new pg.Client({ ...database.connection, database: 'shim_test' });
  await client.connect();
  await installSupabaseShim(client, 'legacy');
}, 60_000);
afterAll(async () => {
  await client?.end();
  await database?.stop();
});

const value = async (sql: string) => (await client.query(sql)).rows[0]?.v;

describe('Supabase shim', () => {
  it('is idempotent: installing twice changes nothing and raises nothing', async () => {
    const before = await value(
      `select md5(string_agg(p.oid::regprocedure::text || pg_get_functiondef(p.oid), '' order by 1)) as v from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('auth', 'storage')`,
    );
    await installSupabaseShim(client, 'legacy');
    const after = await value(
      `select md5(string_agg(p.oid::regprocedure::text || pg_get_functiondef(p.oid), '' order by 1)) as v from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname in ('auth', 'storage')`,
    );
    expect(after).toBe(before);
  });

  it('auth.uid() reads request.jwt.claims and treats the empty string a rolled-back set_config leaves as NULL', async () => {
    await client.query('begin');
    await client.query(`select set_config('request.jwt.claims', '{"sub":"11111111-1111-4111-8111-111111111111","role":"authenticated","email":"a@x.test"}', true)`);
    expect(await value('select auth.uid()::text as v')).toBe('11111111-1111-4111-8111-111111111111');
    expect(await value('select auth.role() as v')).toBe('authenticated');
    expect(await value('select auth.email() as v')).toBe('a@x.test');
    expect(await value(`select auth.jwt() ->> 'role' as v`)).toBe('authenticated');
    await client.query('rollback');
    expect(await value(`select current_setting('request.jwt.claims', true) as v`)).toBe('');
    expect(await value('select auth.uid() as v')).toBeNull();
    expect(await value('select auth.jwt() as v')).toBeNull();
  });

  it('reads the legacy request.jwt.claim.* settings too', async () => {
    await client.query('begin');
    await client.query(`select set_config('request.jwt.claim.sub', '22222222-2222-4222-8222-222222222222', true)`);
    expect(await value('select auth.uid()::text as v')).toBe('22222222-2222-4222-8222-222222222222');
    await client.query('rollback');
  });

  it('creates the API roles, with service_role bypassing RLS and anon unable to read auth.users', async () => {
    const { rows } = await client.query(`select rolname, rolbypassrls, rolsuper from pg_roles where rolname in ('anon', 'authenticated', 'service_role', 'authenticator') order by 1`);
    expect(rows).toEqual([
      { rolname: 'anon', rolbypassrls: false, rolsuper: false },
      { rolname: 'authenticated', rolbypassrls: false, rolsuper: false },
      { rolname: 'authenticator', rolbypassrls: false, rolsuper: false },
      { rolname: 'service_role', rolbypassrls: true, rolsuper: false },
    ]);
    await client.query('begin; set local role anon');
    await expect(client.query('select * from auth.users')).rejects.toMatchObject({ code: '42501' });
    await client.query('rollback');
  });

  it('has the storage helpers, extensions in their schema, and the legacy default grants', async () => {
    expect(await value(`select storage.foldername('alice/avatars/me.png')::text as v`)).toBe('{alice,avatars}');
    expect(await value(`select storage.filename('alice/avatars/me.png') as v`)).toBe('me.png');
    expect(await value(`select storage.extension('alice/avatars/me.png') as v`)).toBe('png');
    expect(
      await value(
        `select string_agg(e.extname || ':' || n.nspname, ',' order by 1) as v from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname in ('pgcrypto', 'uuid-ossp')`,
      ),
    ).toBe('pgcrypto:extensions,uuid-ossp:extensions');
    await client.query('create table public.granted (id int)');
    expect(await value(`select has_table_privilege('anon', 'public.granted', 'select,insert,update,delete') as v`)).toBe(true);
  });

  it('explicit grants give new tables no privileges', async () => {
    await client.query('create database shim_explicit');
    const other = new pg.Client({ ...database.connection, database: 'shim_explicit' });
    await other.connect();
    try {
      await installSupabaseShim(other, 'explicit');
      await other.query('create table public.private (id int)');
      const { rows } = await other.query(`select has_table_privilege('anon', 'public.private', 'select') as anon, has_table_privilege('authenticated', 'public.private', 'select') as auth`);
      expect(rows[0]).toEqual({ anon: false, auth: false });
    } finally {
      await other.end();
    }
  });
});

describe('persona tokens', () => {
  const matrix = {
    personas: {
      anon: { role: 'anon' },
      alice: { role: 'authenticated', email: 'alice@example.test', claims: { app_metadata: { role: 'admin' } } },
      service: { role: 'service_role' },
    },
    jwt: { expiresIn: 600 },
  } as unknown as LoadedMatrix;
  const secret = 'a-test-secret-that-is-at-least-32-characters';

  it('mints HS256 tokens with Supabase claims, verified before use', async () => {
    const identities = await mintIdentities(matrix, secret);
    const alice = identities.get('alice')!;
    expect(decodeProtectedHeader(alice.token)).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const payload = decodeJwt(alice.token);
    expect(payload).toMatchObject({
      sub: personaUserId(matrix, 'alice'),
      role: 'authenticated',
      aud: 'authenticated',
      email: 'alice@example.test',
      aal: 'aal1',
      is_anonymous: false,
      app_metadata: { provider: 'email', providers: ['email'], role: 'admin' },
    });
    expect(payload.exp! - payload.iat!).toBe(600);
    expect(alice.role).toBe('authenticated');
    expect(alice.claims).toEqual(payload);
    expect(identities.get('anon')!.claims).toMatchObject({ role: 'anon' });
    expect(identities.get('anon')!.claims.sub).toBeUndefined();
  });

  it('a token signed with another secret does not verify', async () => {
    const { token } = (await mintIdentities(matrix, secret)).get('alice')!;
    await expect(verifyToken(token, new TextEncoder().encode('another-secret-of-at-least-32-characters!'))).rejects.toMatchObject({ code: 'ERR_JWT' });
  });

  it('personaClaims deep-merges the persona claims', () => {
    expect(personaClaims(matrix, 'alice').app_metadata).toEqual({ provider: 'email', providers: ['email'], role: 'admin' });
  });
});
