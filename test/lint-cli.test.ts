import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeProject } from './helpers.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin/rls-matrix.js');

/** The built command line, as a user runs it (npm run build first), never throwing on exit codes. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: 'true' }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const SCHEMA = `
  create table public.notes (id int primary key, owner_id uuid not null);
  create index on public.notes (owner_id);
  alter table public.notes enable row level security;
  create policy notes_own on public.notes for select to authenticated using (owner_id = (select auth.uid()));
  revoke all on public.notes from anon;
  create table public.audit_log (id int primary key);
  create table public.outbox (id int primary key);
  revoke all on public.audit_log, public.outbox from anon, authenticated;`;
const MATRIX = `version: 1
database: { migrations: schema.sql }
fixtures:
  rows:
    public.notes: [{ id: 1, owner_id: "@user.alice" }]
personas:
  alice: { role: authenticated }
tables:
  public.notes:
    expect:
      alice: { select: allow }
waivers:
  - { lint: rls-disabled-in-public, object: public.outbox, reason: drained by a worker as service_role }
  - { lint: security-definer-view, object: "public.*", reason: stale }
`;

describe('rls-matrix lint', () => {
  it('exits 1 on an unwaived error (default --fail-on error), showing why, the fix, waived findings and stale waivers', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    const { code, stdout } = await cli(['lint', dir]);
    expect(code).toBe(1);
    expect(stdout).toContain('✗ error  rls-disabled-in-public — a table in an exposed schema does not have RLS enabled');
    expect(stdout).toContain('  • public.audit_log: table public.audit_log is in an exposed schema, but RLS is not enabled\n      fix: alter table "public"."audit_log" enable row level security;');
    expect(stdout).toContain('  ~ waived public.outbox: ');
    expect(stdout).toContain(`      waived: drained by a worker as service_role (${dir}/rls-matrix.yaml:13:5)`);
    expect(stdout).toMatch(/~ unused {2}waiver for security-definer-view on public\.\* at .*rls-matrix\.yaml:14:5 matches no finding/);
    expect(stdout).toMatch(/FAIL lint: 1 error, \d+ warnings?, \d+ info, 1 waived · 1 at or above --fail-on error/);
  });

  it('--json --fail-on none: every finding as JSON, exit 0', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    const { code, stdout } = await cli(['lint', dir, '--json', '--fail-on', 'none']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { failOn: string; failing: number; findings: { id: string; object: string; waived?: { reason: string } }[]; unusedWaivers: unknown[] };
    expect(report).toMatchObject({ failOn: 'none', failing: 0 });
    expect(report.findings.find((f) => f.object === 'public.outbox')).toMatchObject({ id: 'rls-disabled-in-public', waived: { reason: 'drained by a worker as service_role' } });
    expect(report.unusedWaivers).toHaveLength(1);
  });

  it('exits 2 on a waiver naming an unknown lint, with file:line:column and the nearest id', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX.replace('lint: security-definer-view', 'lint: security-definer-veiw') });
    const { code, stderr } = await cli(['lint', dir]);
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown lint 'security-definer-veiw' in waivers[1] at ${dir}/rls-matrix.yaml:14:7 — did you mean 'security-definer-view'?`);
  });
});

describe('rls-matrix run --fail-on', () => {
  it('exits 1 when every cell passes but an unwaived lint finding is at the threshold', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
    const { code, stdout } = await cli(['run', dir, '--reporter', 'none', '--fail-on', 'error']);
    expect(stdout).toMatch(/lint: 1 error, .* — 1 fail the run \(--fail-on\)/);
    expect(stdout).toContain('  ✗ error  rls-disabled-in-public  public.audit_log — table public.audit_log is in an exposed schema, but RLS is not enabled');
    expect(stdout).toMatch(/FAIL 1 cells: 1 passed, 0 failed, 0 errors/);
    expect(code).toBe(1);
  });
});
