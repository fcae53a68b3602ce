import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startPostgrest, type PostgrestServer } from '../harness/executor/postgrest/server.js';
import { HarnessError } from '../core/errors.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { runAndCollect, writeProject } from './helpers.js';
import { fingerprint, urlOf, withClient } from './providers-helpers.js';

// --provider url with the project's own PostgREST (--api-url, --anon-key): a separately started
// PostgreSQL with a deployed schema and data, and two PostgRESTs in front of it as a user runs them:
// one whose db-tx-end lets a request ask for a rollback (commit-allow-override), one that commits
// (the default). Writes go only through the first; nothing is ever committed by either.
const project = join(import.meta.dirname, 'projects/api-url/rls-matrix.yaml');
const SECRET = 'a-project-jwt-secret-of-at-least-32-characters';
const ALICE = '00000000-0000-4000-8000-00000000a11c';
const BOB = '00000000-0000-4000-8000-000000000b0b';
let server: StartedDatabase;
let overridable: PostgrestServer;
let committing: PostgrestServer;
let before: Record<string, string>;

const staging = () => ({ ...server.connection, database: 'staging' });
const current = () => withClient(server.connection, 'staging', fingerprint);
const anonKey = async () => {
  const { SignJWT } = await import('jose');
  return new SignJWT({ iss: 'supabase', role: 'anon' }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(SECRET));
};
const run = async (api: PostgrestServer, options: { filter?: string[]; crossCheck?: boolean; matrix?: string } = {}) =>
  runAndCollect(options.matrix ?? project, {
    provider: 'url',
    providerOptions: { url: urlOf(server.connection, 'staging') },
    applyMigrations: false,
    jwtSecret: SECRET,
    api: { url: api.url, anonKey: await anonKey() },
    ...(options.crossCheck ? { crossCheck: true } : { executor: 'postgrest' as const }),
    ...(options.filter ? { filter: options.filter } : {}),
  });

beforeAll(async () => {
  server = await embeddedProvider.start();
  await withClient(server.connection, 'postgres', (admin) => admin.query('create database staging'));
  await withClient(server.connection, 'staging', async (client) => {
    await installSupabaseShim(client, 'legacy');
    await client.query(`
      alter role authenticator with login password 'staging-authenticator';
      create table public.notes (id bigint generated always as identity primary key, owner_id uuid not null, body text not null);
      alter table public.notes enable row level security;
      create policy notes_own on public.notes for all to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());
      insert into auth.users (id, email, aud, role) values ('${ALICE}', 'alice@example.test', 'authenticated', 'authenticated'), ('${BOB}', 'bob@example.test', 'authenticated', 'authenticated');
      insert into public.notes (owner_id, body) values ('${ALICE}', 'mine'), ('${BOB}', 'his'), ('${BOB}', 'his too');`);
  });
  const options = { database: staging(), authenticatorPassword: 'staging-authenticator', schemas: ['public'], jwtSecret: SECRET };
  [overridable, committing] = await Promise.all([startPostgrest({ ...options, txEnd: 'commit-allow-override' }), startPostgrest({ ...options, txEnd: 'commit' })]);
  before = await current();
}, 120_000);

afterAll(async () => {
  await Promise.allSettled([overridable?.stop(), committing?.stop()]);
  await server?.stop();
});

describe('a PostgREST that honours Prefer: tx=rollback', () => {
  it('runs every cell through it, writes included, and commits nothing', async () => {
    const { summary, results } = await run(overridable);
    expect(summary).toMatchObject({ exitCode: 0, counts: { total: 8, pass: 8 } });
    const insert = results.get('public.notes/alice/insert/own')!;
    expect(insert).toMatchObject({ outcome: { class: 'allowed', rows: 1 }, via: { executor: 'postgrest', exchange: { request: { method: 'POST' }, response: { status: 201 } } } });
    expect(insert.via?.executor === 'postgrest' && insert.via.exchange?.request.headers.prefer).toBe('count=exact, tx=rollback');
    expect(insert.via?.executor === 'postgrest' && insert.via.exchange?.response?.headers['preference-applied']).toContain('tx=rollback');
    expect(await current()).toEqual(before);
  });

  it('cross-checks against the SQL executor with no mismatch', async () => {
    const { summary } = await run(overridable, { crossCheck: true });
    expect(summary).toMatchObject({ exitCode: 0, fidelityMismatches: 0, counts: { pass: 8 } });
    expect(await current()).toEqual(before);
  });
});

describe('a PostgREST that commits', () => {
  it('refuses the first write cell before sending it, with what to do (exit 2)', async () => {
    const failure = await run(committing).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HarnessError);
    expect(failure).toMatchObject({ code: 'ERR_API_WRITES_REFUSED', exitCode: 2, message: expect.stringContaining('does not honour Prefer: tx=rollback') });
    expect((failure as Error).message).toContain('db-tx-end = commit-allow-override');
    expect(await current()).toEqual(before);
  });

  it('still runs read cells', async () => {
    const { summary, results } = await run(committing, { filter: ['/select/'] });
    expect(summary).toMatchObject({ exitCode: 0, counts: { total: 2, pass: 2 } });
    expect(results.get('public.notes/alice/select/own')).toMatchObject({ outcome: { class: 'allowed', rows: 1 } });
    expect(await current()).toEqual(before);
  });
});

it('refuses a matrix whose setup the API could not see (fixtures written in the rolled-back transaction)', async () => {
  const dir = await writeProject({
    'rls-matrix.yaml': `version: 1
database: { supabase: false }
personas: { alice: { role: authenticated, user: false, claims: { sub: ${ALICE} } } }
fixtures: { rows: { public.notes: [{ owner_id: ${ALICE}, body: seeded }] } }
tables: { public.notes: { expect: { alice: { select: allow } } } }
`,
  });
  await expect(run(overridable, { matrix: join(dir, 'rls-matrix.yaml') })).rejects.toMatchObject({ code: 'ERR_PROVIDER_OPTIONS', message: expect.stringContaining("cannot see this run's setup") });
  expect(await current()).toEqual(before);
});
