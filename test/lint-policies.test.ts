import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finding, found, startLintLab, type LintLab } from './lint-helpers.js';

// What policies say, and how they read the caller: each lint against a schema that triggers it
// and one that does not, on a real PostgreSQL (policy text as pg_get_expr deparses it).
let lab: LintLab;
beforeAll(async () => void (lab = await startLintLab()), 60_000);
afterAll(async () => lab?.stop());

const NOTES = `
  create table public.notes (id int primary key, owner_id uuid not null, body text, published boolean not null default false);
  create index on public.notes (owner_id);
  alter table public.notes enable row level security;`;

describe('rls-policy-always-true', () => {
  it('flags write policies that admit every row for API roles; anon updating or deleting everything is an error', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy anyone_deletes on public.notes for delete using (true);
      create policy users_update on public.notes for update to authenticated using (true) with check (true);
      create policy visitors_write on public.notes for insert to anon with check (1 = 1);`);
    expect(found(findings, 'rls-policy-always-true')).toEqual(['public.notes/anyone_deletes', 'public.notes/users_update', 'public.notes/visitors_write']);
    const severity = (policy: string) => findings.find((f) => f.id === 'rls-policy-always-true' && f.policy === policy)?.severity;
    expect(severity('anyone_deletes')).toBe('error');
    expect(severity('users_update')).toBe('warn');
    expect(severity('visitors_write')).toBe('warn');
    expect(findings.find((f) => f.policy === 'users_update' && f.id === 'rls-policy-always-true')?.message).toContain('always true in USING and WITH CHECK, for authenticated');
  });

  it('passes public reads, restrictive policies, policies for roles that bypass RLS anyway, and real predicates', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy everyone_reads on public.notes for select using (true);
      create policy narrowing on public.notes as restrictive for delete to authenticated using (true);
      create policy backend on public.notes for all to service_role using (true);
      create policy own_update on public.notes for update to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));`);
    expect(found(findings, 'rls-policy-always-true')).toEqual([]);
  });

  it('an UPDATE policy with USING (true) and no WITH CHECK is always true in both', async () => {
    const findings = await lab.lint(`${NOTES} create policy lax on public.notes for update to authenticated using (true);`);
    expect(findings.find((f) => f.id === 'rls-policy-always-true')?.message).toContain('USING and WITH CHECK');
  });
});

describe('policy-missing-with-check', () => {
  it('flags UPDATE and ALL policies without WITH CHECK, suggesting USING as the write rule', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy own_update on public.notes for update to authenticated using (owner_id = (select auth.uid()));
      create policy own_all on public.notes for all to authenticated using (owner_id = (select auth.uid()));`);
    expect(found(findings, 'policy-missing-with-check')).toEqual(['public.notes/own_all', 'public.notes/own_update']);
    expect(findings.find((f) => f.policy === 'own_update' && f.id === 'policy-missing-with-check')).toMatchObject({
      severity: 'info',
      fix: 'alter policy "own_update" on "public"."notes" with check ((owner_id = ( SELECT auth.uid() AS uid)));',
    });
  });

  it('passes policies that state WITH CHECK, and commands that have no USING/WITH CHECK pair', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy own_update on public.notes for update to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
      create policy own_delete on public.notes for delete to authenticated using (owner_id = (select auth.uid()));
      create policy own_insert on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));`);
    expect(found(findings, 'policy-missing-with-check')).toEqual([]);
  });
});

describe('policy-with-check-asymmetric', () => {
  it('flags a WITH CHECK that leaves the owner column of USING free (a user can hand the row over)', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy hand_over on public.notes for update to authenticated using (owner_id = (select auth.uid())) with check (body is not null);`);
    expect(found(findings, 'policy-with-check-asymmetric')).toEqual(['public.notes/hand_over']);
    expect(findings.find((f) => f.id === 'policy-with-check-asymmetric')).toMatchObject({ severity: 'warn', message: expect.stringContaining('filters on owner_id in USING') });
  });

  it('passes a WITH CHECK that constrains the same column (boolean filters do not count)', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy keep on public.notes for update to authenticated
        using (published or owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()) and body is not null);`);
    expect(found(findings, 'policy-with-check-asymmetric')).toEqual([]);
  });
});

describe('multiple-permissive-policies', () => {
  it('flags two permissive policies for one role and command, ALL counting for every command', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy own_all on public.notes for all to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
      create policy published_read on public.notes for select to authenticated using (published);`);
    expect(found(findings, 'multiple-permissive-policies')).toEqual(['public.notes']);
    expect(finding(findings, 'multiple-permissive-policies', 'public.notes')?.message).toBe('table public.notes has several permissive policies for authenticated: SELECT (own_all, published_read)');
  });

  it('a policy TO public overlaps with each API role: roles with the same overlap share one finding', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy a on public.notes for select using (published);
      create policy b on public.notes for select to anon, authenticated using (owner_id is null);`);
    expect(finding(findings, 'multiple-permissive-policies', 'public.notes')?.message).toContain('for anon, authenticated: SELECT (a, b)');
  });

  it('passes one permissive plus one restrictive policy, and policies for different roles', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy visitors on public.notes for select to anon using (published);
      create policy users on public.notes for select to authenticated using (owner_id = (select auth.uid()));
      create policy not_banned on public.notes as restrictive for select to authenticated using (body is not null);`);
    expect(found(findings, 'multiple-permissive-policies')).toEqual([]);
  });
});

describe('rls-references-user-metadata', () => {
  it('flags a policy that trusts user_metadata, which users edit themselves', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy admins on public.notes for delete to authenticated using (((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'admin');
      create policy legacy on public.notes for select to authenticated
        using ((current_setting('request.jwt.claims', true)::jsonb -> 'user_metadata' ->> 'team') = body);`);
    expect(found(findings, 'rls-references-user-metadata')).toEqual(['public.notes/admins', 'public.notes/legacy']);
    expect(finding(findings, 'rls-references-user-metadata', 'public.notes')?.severity).toBe('error');
  });

  it('passes app_metadata, which only the service role writes', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy admins on public.notes for delete to authenticated using (((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'admin');`);
    expect(found(findings, 'rls-references-user-metadata')).toEqual([]);
  });
});

describe('auth-rls-initplan', () => {
  it('flags auth.uid() and auth.jwt() evaluated per row, in USING or WITH CHECK', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy bare_read on public.notes for select to authenticated using (owner_id = auth.uid());
      create policy bare_write on public.notes for insert to authenticated with check ((auth.jwt() ->> 'sub')::uuid = owner_id);
      create policy mixed on public.notes for update to authenticated using (owner_id = (select auth.uid()) or auth.uid() is null) with check (true);`);
    expect(found(findings, 'auth-rls-initplan')).toEqual(['public.notes/bare_read', 'public.notes/bare_write', 'public.notes/mixed']);
    expect(findings.find((f) => f.policy === 'bare_write' && f.id === 'auth-rls-initplan')).toMatchObject({ severity: 'warn', message: expect.stringContaining('calls auth.jwt() per row') });
  });

  it('passes calls wrapped in (select …)', async () => {
    const findings = await lab.lint(`${NOTES}
      create policy wrapped on public.notes for select to authenticated using (owner_id = (select auth.uid()) or ((select auth.jwt()) ->> 'role') = 'service');`);
    expect(found(findings, 'auth-rls-initplan')).toEqual([]);
  });
});
