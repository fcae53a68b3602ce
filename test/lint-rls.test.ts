import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, found, startLintLab, type LintLab } from './lint-helpers.js';

// Whether RLS is on at all: each lint against a schema that triggers it and one that does not,
// on a real PostgreSQL with the Supabase shim (legacy grants unless a test says otherwise).
let lab: LintLab;
beforeAll(async () => void (lab = await startLintLab()), 60_000);
afterAll(async () => lab?.stop());

describe('rls-disabled-in-public', () => {
  it('flags a table of an exposed schema without RLS, as an error with the SQL that fixes it', async () => {
    const findings = await lab.lint('create table public.audit_log (id int primary key);');
    expect(found(findings, 'rls-disabled-in-public')).toEqual(['public.audit_log']);
    expect(finding(findings, 'rls-disabled-in-public', 'public.audit_log')).toMatchObject({
      severity: 'error',
      objectType: 'table',
      fix: expect.stringContaining('alter table "public"."audit_log" enable row level security;'),
      why: expect.stringContaining('PostgREST'),
    });
  });

  it('passes a table with RLS, and a table in a schema the API does not expose', async () => {
    const findings = await lab.lint(`
      create table public.notes (id int primary key);
      alter table public.notes enable row level security;
      create policy notes_read on public.notes for select to authenticated using (true);
      create schema private;
      create table private.jobs (id int primary key);`);
    expect(found(findings, 'rls-disabled-in-public')).toEqual([]);
  });

  it('covers every schema it is given: the exposed schemas plus those the matrix names', async () => {
    const findings = await lab.lint('create schema api; create table api.things (id int primary key);', { schemas: ['public', 'api'] });
    expect(found(findings, 'rls-disabled-in-public')).toEqual(['api.things']);
  });
});

describe('rls-enabled-no-policy', () => {
  it('flags RLS without any policy, as info (deny-all may be intended)', async () => {
    const findings = await lab.lint('create table public.vault (id int primary key); alter table public.vault enable row level security;');
    expect(found(findings, 'rls-enabled-no-policy')).toEqual(['public.vault']);
    expect(finding(findings, 'rls-enabled-no-policy', 'public.vault')?.severity).toBe('info');
  });

  it('passes a table with a policy', async () => {
    const findings = await lab.lint(`
      create table public.vault (id int primary key);
      alter table public.vault enable row level security;
      create policy vault_read on public.vault for select to authenticated using (false);`);
    expect(found(findings, 'rls-enabled-no-policy')).toEqual([]);
  });
});

describe('policy-exists-rls-disabled', () => {
  it('flags policies on a table whose RLS is off, naming them', async () => {
    const findings = await lab.lint(`
      create table public.posts (id int primary key, owner_id uuid);
      create policy posts_own on public.posts for all to authenticated using (owner_id = (select auth.uid()));`);
    expect(finding(findings, 'policy-exists-rls-disabled', 'public.posts')).toMatchObject({ severity: 'error', message: expect.stringContaining('posts_own') });
  });

  it('passes once RLS is enabled', async () => {
    const findings = await lab.lint(`
      create table public.posts (id int primary key, owner_id uuid);
      alter table public.posts enable row level security;
      create policy posts_own on public.posts for all to authenticated using (owner_id = (select auth.uid()));`);
    expect(found(findings, 'policy-exists-rls-disabled')).toEqual([]);
  });
});

describe('api-role-owns-table', () => {
  it('flags a table owned by an API role, or by a role an API role inherits, when RLS is not forced', async () => {
    const findings = await lab.lint(`
      create table public.direct (id int primary key);
      alter table public.direct enable row level security;
      alter table public.direct owner to authenticated;
      create role ledger_owner;
      grant ledger_owner to authenticated;
      create table public.ledger (id int primary key);
      alter table public.ledger enable row level security;
      alter table public.ledger owner to ledger_owner;`);
    expect(found(findings, 'api-role-owns-table')).toEqual(['public.direct', 'public.ledger']);
    expect(finding(findings, 'api-role-owns-table', 'public.ledger')?.message).toContain('authenticated bypasses its RLS');
  });

  it('passes a forced table, and one owned by postgres', async () => {
    const findings = await lab.lint(`
      create table public.forced (id int primary key);
      alter table public.forced enable row level security;
      alter table public.forced force row level security;
      alter table public.forced owner to authenticated;
      create table public.normal (id int primary key);
      alter table public.normal enable row level security;`);
    expect(found(findings, 'api-role-owns-table')).toEqual([]);
  });
});
