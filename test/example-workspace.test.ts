import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult, RunMeta, RunSummary } from '../core/results.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// examples/workspace: the second complete example app (issue 7) — organisations, owner/admin/member
// roles, spaces, per-space credentials, module permissions, profiles with a column GRANT, a
// security_invoker view, rpc functions and per-user avatar folders in storage.
const EXAMPLE = join(import.meta.dirname, '..', 'examples', 'workspace');

let database: StartedDatabase;
let provider: Provider;
let summary: RunSummary;
let meta: RunMeta;
let results: Map<string, CellResult>;
const temporary: string[] = [];

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  ({ summary, results, meta } = await runAndCollect(join(EXAMPLE, 'rls-matrix.yaml'), { provider }));
}, 120_000);
afterAll(async () => {
  await Promise.all(temporary.map((dir) => rm(dir, { recursive: true, force: true })));
  await database?.stop();
});

function cell(id: string, from = results): CellResult {
  const result = from.get(id);
  if (!result) throw new Error(`no cell ${id}; cells: ${[...from.keys()].join(', ')}`);
  return result;
}

/** The example with one more migration appended (applied last, after the real ones). */
async function withPlantedMigration(sql: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-workspace-'));
  temporary.push(dir);
  await cp(EXAMPLE, dir, { recursive: true });
  await writeFile(join(dir, 'migrations', '9999_planted_leak.sql'), sql);
  return join(dir, 'rls-matrix.yaml');
}

describe('examples/workspace', () => {
  it('passes completely: no failure, no error, no vacuous cell', () => {
    const failing = [...results.values()].filter((r) => r.status !== 'pass').map((r) => `${r.cell.id}: ${r.status} (${r.outcome.class})`);
    expect(failing).toEqual([]);
    expect(summary.counts).toMatchObject({ fail: 0, error: 0, known: 0 });
    expect(summary.counts.pass).toBe(summary.counts.total);
    expect(summary.counts.total).toBeGreaterThan(400);
    expect(summary.exitCode).toBe(0);
  });

  it('leaves nothing untested: every table, storage verb of avatars and call of a named function is stated or defaulted', () => {
    expect(meta.coverage!.counts.untested).toBe(0);
    expect(meta.coverage!.buckets.map((b) => b.name)).toEqual(['avatars']);
    expect(meta.coverage!.functions.map((f) => [f.name, f.counts.stated])).toEqual([
      ['public.has_org_role', 6],
      ['public.invite_member', 6],
      ['public.is_org_member', 6],
      ['public.org_stats', 6],
    ]);
    expect(cell('storage.objects/owner_a/move/avatars:own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
  });

  it('every operation of issue 7 is present: upsert, returning, column updates, rpc, storage, a view', () => {
    const cells = [...results.values()].map((r) => r.cell);
    expect(cells.some((c) => c.operation === 'upsert' && c.table === 'public.spaces')).toBe(true);
    expect(cells.some((c) => c.returning)).toBe(true);
    expect(cells.some((c) => c.set && 'role' in c.set)).toBe(true);
    expect(cells.some((c) => c.operation === 'rpc')).toBe(true);
    expect(cells.some((c) => c.table === 'storage.objects')).toBe(true);
    expect(cells.some((c) => c.table === 'public.member_directory')).toBe(true);
  });

  describe('rpc', () => {
    it('invite_member: managers may invite; a member of the org and the owner of another org get P0001', () => {
      expect(cell('public.invite_member()/owner_a/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
      expect(cell('public.invite_member()/admin_a/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
      for (const persona of ['member_a', 'owner_b']) {
        expect(cell(`public.invite_member()/${persona}/rpc/*`)).toMatchObject({ status: 'pass', outcome: { class: 'error', error: { sqlstate: 'P0001' } } });
      }
    });
    it('anon has no EXECUTE on the SECURITY DEFINER helpers and rpcs', () => {
      for (const fn of ['invite_member', 'org_stats', 'has_org_role', 'is_org_member']) {
        expect(cell(`public.${fn}()/anon/rpc/*`)).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege', error: { sqlstate: '42501' } } });
      }
    });
    it('org_stats returns one row to members of the organisation and none to another tenant', () => {
      expect(cell('public.org_stats()/member_a/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1, targetRows: 1 } });
      expect(cell('public.org_stats()/owner_b/rpc/*')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0 } });
    });
  });

  describe('column privileges (profiles)', () => {
    it('renaming oneself is allowed; promoting oneself or switching organisation is denied:privilege', () => {
      expect(cell('public.profiles/member_a/rename/self')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
      expect(cell('public.profiles/member_a/rename/self').sql).toMatch(/^update "public"."profiles" set "display_name" = /);
      expect(cell('public.profiles/member_a/promote/self')).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege', error: { sqlstate: '42501' } } });
      expect(cell('public.profiles/member_a/switch_org/self')).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege' } });
      expect(cell('public.profiles/member_a/rename/colleagues')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    });
    it("upsert of one's own profile needs INSERT, which authenticated lacks: denied:privilege", () => {
      expect(cell('public.profiles/owner_a/upsert/self')).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege' } });
    });
  });

  describe('credentials', () => {
    it('are filtered for a plain member, even in their own organisation; managers read them', () => {
      expect(cell('public.space_credentials/member_a/select/my_org')).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0, targetRows: 2 } });
      expect(cell('public.space_credentials/admin_a/select/my_org')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 2 } });
      expect(cell('public.space_credentials/owner_b/select/other_org')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
    });
    it('a manager creates a key and reads it back (insert … returning)', () => {
      const result = cell('public.space_credentials/admin_a/create_and_read/*');
      expect(result).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
      expect(result.sql).toMatch(/returning \*$/);
    });
  });

  describe('upsert', () => {
    it("onto a space of one's own organisation takes the conflict path and is allowed", () => {
      const result = cell('public.spaces/admin_a/upsert/my_org');
      expect(result).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
      expect(result.sql).toMatch(/on conflict \("id"\) do update set/);
    });
    it("onto another organisation's space is denied:policy (42501), not skipped", () => {
      expect(cell('public.spaces/admin_a/upsert/other_org')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
      // Own organisation's values onto another organisation's key: the UPDATE policy's USING refuses.
      expect(cell('public.spaces/owner_b/hijack/other_org')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy', error: { message: expect.stringContaining('USING expression') } } });
    });
  });

  describe('returning', () => {
    it('a member may file a module request but not read it back: .insert().select() is denied:policy', () => {
      expect(cell('public.module_requests/member_a/insert/own')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
      expect(cell('public.module_requests/member_a/request_and_read/*')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
      expect(cell('public.module_requests/admin_a/request_and_read/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    });
  });

  describe('roles', () => {
    it('an admin manages members but cannot create or promote admins', () => {
      expect(cell('public.memberships/admin_a/promote_to_admin/colleague_members')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
      expect(cell('public.memberships/owner_a/promote_to_admin/colleague_members')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
      expect(cell('public.memberships/admin_a/add_admin/*')).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
      expect(cell('public.memberships/admin_a/delete/colleague_members')).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
    });
  });

  describe('storage and the view', () => {
    it("avatars: own folder allowed, others' folders denied for every signed-in persona", () => {
      for (const persona of ['owner_a', 'admin_a', 'member_a', 'owner_b']) {
        expect(cell(`storage.objects/${persona}/download/avatars:own`)).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
        expect(cell(`storage.objects/${persona}/download/avatars:others`)).toMatchObject({ status: 'pass', outcome: { class: 'filtered', rows: 0, targetRows: 3 } });
        expect(cell(`storage.objects/${persona}/upload/avatars:others`)).toMatchObject({ status: 'pass', outcome: { class: 'denied:policy' } });
        expect(cell(`storage.objects/${persona}/overwrite/avatars:own`)).toMatchObject({ status: 'pass', outcome: { class: 'allowed' } });
      }
    });
    it('member_directory (security_invoker) shows my organisation and hides the other', () => {
      expect(cell('public.member_directory/member_a/select/my_org')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 3 } });
      expect(cell('public.member_directory/member_a/select/other_org')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
      expect(cell('public.member_directory/anon/select/*')).toMatchObject({ status: 'pass', outcome: { class: 'denied:privilege' } });
    });
  });
});

describe('examples/workspace notices a planted leak', () => {
  /** Runs the example plus one migration; returns the ids of the cells that did not pass. */
  async function failingCells(sql: string): Promise<{ ids: string[]; run: Map<string, CellResult>; summary: RunSummary }> {
    const planted = await runAndCollect(await withPlantedMigration(sql), { provider });
    const ids = [...planted.results.values()]
      .filter((r) => r.status !== 'pass')
      .map((r) => r.cell.id)
      .sort();
    return { ids, run: planted.results, summary: planted.summary };
  }

  it('a policy letting members read credentials fails exactly the member credential cell', async () => {
    const {
      ids,
      run,
      summary: planted,
    } = await failingCells(`
      create policy "members read credentials" on public.space_credentials
        for select to authenticated using (public.is_org_member(org_id));
    `);
    expect(ids).toEqual(['public.space_credentials/member_a/select/my_org']);
    expect(cell('public.space_credentials/member_a/select/my_org', run)).toMatchObject({ status: 'fail', outcome: { class: 'allowed', rows: 2 } });
    expect(planted).toMatchObject({ exitCode: 1, counts: { fail: 1, error: 0 } });
  });

  it("a view that loses security_invoker fails every persona's other_org directory cell", async () => {
    const { ids } = await failingCells('alter view public.member_directory set (security_invoker = false);');
    expect(ids).toEqual(['admin_a', 'member_a', 'owner_a', 'owner_b'].map((p) => `public.member_directory/${p}/select/other_org`));
  });

  it("an avatar policy that reads every folder fails every persona's download of others", async () => {
    const { ids } = await failingCells(`
      create policy "signed-in users read all avatars" on storage.objects
        for select to authenticated using (bucket_id = 'avatars');
    `);
    expect(ids).toEqual(['admin_a', 'member_a', 'owner_a', 'owner_b'].map((p) => `storage.objects/${p}/download/avatars:others`));
  });
});
