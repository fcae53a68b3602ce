import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult } from '../core/results.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// Operations beyond CRUD (issue 7), each classified against a real server.
let database: StartedDatabase;
let provider: Provider;
let results: Map<string, CellResult>;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  ({ results } = await runAndCollect(join(import.meta.dirname, 'projects/operations/rls-matrix.yaml'), { provider }));
}, 60_000);
afterAll(async () => database?.stop());

function cell(id: string): CellResult {
  const result = results.get(id);
  if (!result) throw new Error(`no cell ${id}; cells: ${[...results.keys()].join(', ')}`);
  return result;
}

describe('upsert', () => {
  it('onto an existing own row takes the conflict path and is allowed', () => {
    const result = cell('public.accounts/alice/upsert/own');
    expect(result).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(result.sql).toMatch(/on conflict \("id"\) do update set/);
  });
  it("onto another user's row raises 42501 instead of skipping", () => {
    expect(cell('public.accounts/alice/upsert/others')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
  });
  it('a fresh row (a new key) takes the insert path', () => {
    expect(cell('public.accounts/alice/upsert_fresh/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });
});

describe('returning (supabase-js .select() after a write)', () => {
  it('insert … returning needs the SELECT policy too, which alice has for her own row', () => {
    const result = cell('public.accounts/alice/open_and_read/*');
    expect(result.sql).toMatch(/returning \*$/);
    expect(result).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });
  it('update … returning on hidden rows stays silent', () => {
    expect(cell('public.accounts/alice/touch_and_read/others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    expect(cell('public.accounts/alice/touch_and_read/own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });
});

describe('rpc', () => {
  it('a SECURITY DEFINER function that bypasses RLS is caught: it returns data to anyone allowed to execute it', () => {
    expect(cell('public.total_balance()/alice/rpc/*')).toMatchObject({ status: 'fail', outcome: { class: 'allowed' } });
    expect(cell('public.total_balance()/anon/rpc/*')).toMatchObject({ status: 'fail', outcome: { class: 'allowed' } });
  });
  it('a set-returning function is counted by rows, with an expected count per persona', () => {
    expect(cell('public.my_accounts()/bob/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 2, targetRows: 2 } });
    expect(cell('public.my_accounts()/alice/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0 } });
    expect(cell('public.my_accounts()/bob/rpc/*').sql).toContain('"_min" => \'15\'::integer');
  });
  it('missing EXECUTE is denied:privilege; a guard raising P0001 matches { refused: P0001 }', () => {
    expect(cell('public.guarded_total()/anon/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege' } });
    expect(cell('public.guarded_total()/alice/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'error', error: { sqlstate: 'P0001' } } });
    expect(cell('public.guarded_total()/carol/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });
});

describe('views', () => {
  it('a view without security_invoker exposes rows RLS hides; with it, they stay hidden', () => {
    expect(cell('public.account_overview/alice/select/others')).toMatchObject({ status: 'fail', outcome: { class: 'allowed', rows: 2 } });
    expect(cell('public.account_overview_safe/alice/select/others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
  });
});

describe('storage', () => {
  it('per-user folders: own objects can be uploaded, downloaded, overwritten and removed; others not', () => {
    expect(cell('storage.objects/alice/upload/avatars:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    expect(cell('storage.objects/alice/upload/avatars:others')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
    expect(cell('storage.objects/alice/download/avatars:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(cell('storage.objects/alice/download/avatars:others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    expect(cell('storage.objects/alice/overwrite/avatars:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    expect(cell('storage.objects/alice/remove/avatars:others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    expect(cell('storage.objects/anon/download/avatars')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', targetRows: 2 } });
  });
  it('overwrite re-uploads an existing object as Supabase Storage does: on conflict (bucket_id, name)', () => {
    const own = cell('storage.objects/alice/overwrite/avatars:own');
    expect(own.sql).toMatch(/on conflict \("bucket_id", "name"\) do update set/);
    expect(own.sql).toMatch(/'[0-9a-f-]{36}\/me\.png'::text/);
    expect(cell('storage.objects/alice/overwrite/avatars:others')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
    expect(cell('storage.objects/alice/move/avatars:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    expect(cell('storage.objects/alice/move/avatars:others')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
  });

  it('storage cells address only the bucket, by key', () => {
    expect(cell('storage.objects/alice/upload/avatars:own').sql).toMatch(/insert into "storage"."objects" \(.*"bucket_id".*\) values/);
  });
});
