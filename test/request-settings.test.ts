import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult } from '../core/results.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// Every per-request setting a policy can read, as the real PostgREST sets it and as the SQL executor
// sets it, compared cell by cell: a db-pre-request function refuses each request with the settings
// it sees as its message (role, search_path, request.method/path/headers/cookies/jwt.claims, and
// whether the transaction is read-only). Host and Content-Length are the only headers left out.
const project = join(import.meta.dirname, 'projects/request-settings/rls-matrix.yaml');
let database: StartedDatabase;
let provider: Provider;
let sql: Map<string, CellResult>;
let api: Map<string, CellResult>;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  ({ results: sql } = await runAndCollect(project, { provider }));
  ({ results: api } = await runAndCollect(project, { provider, executor: 'postgrest' }));
}, 120_000);
afterAll(async () => database?.stop());

/** The settings a cell's request carried, as the pre-request function reported them. */
function settings(results: Map<string, CellResult>, id: string): Record<string, unknown> {
  const result = results.get(id);
  expect(result?.outcome.error?.sqlstate, id).toBe('P0001');
  return JSON.parse(result!.outcome.error!.message) as Record<string, unknown>;
}

/**
 * Tokens differ between two runs (each mints its own at its own second): compare whose they are,
 * their claims without the times (iat, exp, amr's timestamp).
 */
function comparable(reported: Record<string, unknown>): Record<string, unknown> {
  const timeless = ({ iat: _iat, exp: _exp, amr: _amr, ...rest }: Record<string, unknown>) => rest;
  const claims = (jwt: string) => timeless(JSON.parse(Buffer.from(jwt.replace(/^Bearer /, '').split('.')[1]!, 'base64url').toString()) as Record<string, unknown>);
  const headers = reported.headers as Record<string, string>;
  return { ...reported, claims: timeless(reported.claims as Record<string, unknown>), headers: { ...headers, apikey: claims(headers.apikey!), authorization: claims(headers.authorization!) } };
}

it('every cell of the SQL executor carries the settings PostgREST sets for the same supabase-js call', () => {
  expect(sql.size).toBe(18);
  expect([...api.keys()].sort()).toEqual([...sql.keys()].sort());
  for (const id of sql.keys()) expect(comparable(settings(sql, id)), id).toEqual(comparable(settings(api, id)));
});

it('the settings are those of an app: its method, path, profile header, keys and read-only-ness', () => {
  expect(settings(sql, 'public.items/alice/update/*')).toMatchObject({
    role: 'authenticated',
    search_path: '"public", "public", "extensions"',
    method: 'PATCH',
    path: '/items',
    read_only: 'off',
    headers: { apikey: expect.any(String), authorization: expect.stringMatching(/^Bearer /), prefer: 'count=exact', 'content-profile': 'public', 'x-tenant': 'acme', 'x-trace': 'abc' },
  });
  expect(settings(sql, 'crm.contacts/alice/select/*')).toMatchObject({
    search_path: '"crm", "public", "extensions"',
    method: 'GET',
    path: '/contacts',
    read_only: 'on',
    headers: { 'accept-profile': 'crm' },
  });
  expect(settings(sql, 'public.stable_fn()/alice/rpc/*')).toMatchObject({ method: 'POST', path: '/rpc/stable_fn', read_only: 'on' });
  expect(settings(sql, 'public.volatile_fn()/alice/rpc/*')).toMatchObject({ method: 'POST', path: '/rpc/volatile_fn', read_only: 'off' });
  expect(settings(sql, 'public.items/alice/read_back/*')).toMatchObject({ headers: { prefer: 'count=exact, return=representation' } });
  // anon and service_role send their own key as apikey; a signed-in user sends the anon key.
  const anon = settings(sql, 'public.items/anon/select/*').headers as Record<string, string>;
  const service = settings(sql, 'public.items/service/select/*').headers as Record<string, string>;
  const alice = settings(sql, 'public.items/alice/select/*').headers as Record<string, string>;
  expect(anon.authorization).toBe(`Bearer ${anon.apikey}`);
  expect(service.authorization).toBe(`Bearer ${service.apikey}`);
  expect(alice.apikey).toBe(anon.apikey);
  expect(alice.authorization).not.toBe(`Bearer ${alice.apikey}`);
});
