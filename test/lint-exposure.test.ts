import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, found, startLintLab, type LintLab } from './lint-helpers.js';

// What API roles can reach around the policies: SECURITY DEFINER functions, views, grants, and the
// indexes policies filter through. Each lint against a schema that triggers it and one that does not.
let lab: LintLab;
beforeAll(async () => void (lab = await startLintLab()), 60_000);
afterAll(async () => lab?.stop());

const NOTES = `
  create table public.notes (id int primary key, owner_id uuid not null, team_id uuid, published boolean not null default false);
  create index on public.notes (owner_id);
  alter table public.notes enable row level security;
  create policy own_read on public.notes for select to authenticated using (owner_id = (select auth.uid()));`;

describe('anon-security-definer-function-executable / authenticated-…', () => {
  it("flags a SECURITY DEFINER function left executable by PUBLIC (PostgreSQL's default), for anon and for authenticated", async () => {
    const findings = await lab.lint(`create function public.purge() returns void language sql security definer set search_path = '' as 'select';`);
    expect(found(findings, 'anon-security-definer-function-executable')).toEqual(['public.purge']);
    expect(found(findings, 'authenticated-security-definer-function-executable')).toEqual(['public.purge']);
    expect(finding(findings, 'anon-security-definer-function-executable', 'public.purge')).toMatchObject({
      severity: 'warn',
      objectType: 'function',
      fix: 'create schema if not exists private; alter function "public"."purge"() set schema private;  -- policies calling it keep working; or make it security invoker if it needs no owner rights',
    });
  });

  it('passes revoked definers, invoker functions and trigger functions; authenticated alone when granted to it', async () => {
    const findings = await lab.lint(`
      create function public.members_only(team uuid) returns boolean language sql security definer set search_path = '' as 'select true';
      revoke execute on function public.members_only(uuid) from public, anon, authenticated;
      grant execute on function public.members_only(uuid) to authenticated;
      create function public.plain() returns int language sql set search_path = '' as 'select 1';
      create function public.stamp() returns trigger language plpgsql security definer set search_path = '' as 'begin return new; end';`);
    expect(found(findings, 'anon-security-definer-function-executable')).toEqual([]);
    expect(found(findings, 'authenticated-security-definer-function-executable')).toEqual(['public.members_only']);
  });
});

describe('function-search-path-mutable', () => {
  it('flags functions without a pinned search_path: warn for SECURITY DEFINER, info for invoker', async () => {
    const findings = await lab.lint(`
      create function public.definer() returns int language sql security definer as 'select 1';
      create function public.invoker() returns int language sql as 'select 1';`);
    expect(found(findings, 'function-search-path-mutable')).toEqual(['public.definer', 'public.invoker']);
    expect(finding(findings, 'function-search-path-mutable', 'public.definer')?.severity).toBe('warn');
    expect(finding(findings, 'function-search-path-mutable', 'public.invoker')?.severity).toBe('info');
  });

  it('passes a pinned search_path, and functions that belong to an extension', async () => {
    const findings = await lab.lint(`create function public.pinned() returns int language sql set search_path = pg_catalog, public as 'select 1';`, { schemas: ['public', 'extensions'] });
    expect(found(findings, 'function-search-path-mutable')).toEqual([]);
  });
});

describe('security-definer-view', () => {
  it('flags views that run as their owner over RLS tables, directly or through an invoker view', async () => {
    const findings = await lab.lint(`${NOTES}
      create view public.all_notes as select * from public.notes;
      create view public.inner_notes with (security_invoker = true) as select * from public.notes;
      create view public.outer_notes as select id from public.inner_notes;`);
    expect(found(findings, 'security-definer-view')).toEqual(['public.all_notes', 'public.outer_notes']);
    expect(finding(findings, 'security-definer-view', 'public.all_notes')).toMatchObject({
      severity: 'error',
      objectType: 'view',
      message: expect.stringContaining('over RLS table public.notes'),
      fix: 'alter view "public"."all_notes" set (security_invoker = true);',
    });
  });

  it('passes invoker views, views over tables without RLS, and views no API role may read', async () => {
    const findings = await lab.lint(`${NOTES}
      create view public.mine with (security_invoker = on) as select * from public.notes;
      create table public.tags (id int primary key);
      create view public.tag_list as select * from public.tags;
      create view public.internal as select * from public.notes;
      revoke all on public.internal from anon, authenticated;`);
    expect(found(findings, 'security-definer-view')).toEqual([]);
  });
});

describe('anon-grant-without-policy', () => {
  it('flags the privileges anon holds (legacy grants) on an RLS table whose policies never mention anon', async () => {
    const findings = await lab.lint(NOTES);
    expect(finding(findings, 'anon-grant-without-policy', 'public.notes')).toMatchObject({
      severity: 'info',
      message: 'anon may SELECT, INSERT, UPDATE, DELETE on public.notes, but no policy applies to anon or public',
      fix: 'revoke select, insert, update, delete on table "public"."notes" from anon;',
    });
  });

  it('passes a table with a policy TO public (which includes anon), and one anon holds nothing on (explicit grants)', async () => {
    const toPublic = await lab.lint(`${NOTES} create policy published on public.notes for select using (published);`);
    expect(found(toPublic, 'anon-grant-without-policy')).toEqual([]);
    const explicit = await lab.lint(`${NOTES} grant select on public.notes to authenticated;`, { grants: 'explicit' });
    expect(found(explicit, 'anon-grant-without-policy')).toEqual([]);
  });
});

describe('unindexed-policy-column', () => {
  it('flags a column USING filters on that leads no index, with the CREATE INDEX', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy team_read on public.notes for select to authenticated
        using (team_id in (select t.team_id from public.notes t where t.owner_id = (select auth.uid())));`);
    expect(found(findings, 'unindexed-policy-column')).toEqual(['public.notes']);
    expect(finding(findings, 'unindexed-policy-column', 'public.notes')).toMatchObject({
      severity: 'info',
      message: 'column team_id of public.notes is filtered on by "team_read" but leads no index',
      fix: 'create index on "public"."notes" ("team_id");',
    });
  });

  it('passes indexed columns, primary keys and boolean flags', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy by_id on public.notes for select to anon using (id < 100 and published);`);
    expect(found(findings, 'unindexed-policy-column')).toEqual([]);
  });
});
