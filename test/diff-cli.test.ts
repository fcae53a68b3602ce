import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { cliInProcess } from './cli-in-process.js';
import { systemProvider } from '../database/providers/system.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix } from '../harness/run.js';
import { createReporters, type ReporterName } from '../reports/index.js';
import { startSharedDatabase, tempDir, writeProject } from './helpers.js';

// `rls-matrix diff` as a user runs it: the reports of real runs on a real PostgreSQL, before and after
// a policy change, and two versions of a matrix file.

const BEFORE_SCHEMA = `
  create table public.notes (id int primary key, owner_id uuid not null, body text not null default '');
  alter table public.notes enable row level security;
  create policy notes_read on public.notes for select to authenticated using (owner_id = (select auth.uid()));
  create policy notes_update on public.notes for update to authenticated using (owner_id = (select auth.uid()));
  create policy notes_insert on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));
  create table public.secrets (id int primary key);
  alter table public.secrets enable row level security;
  revoke all on public.secrets from anon, authenticated;`;

// The pull request: every note readable (widens select on others' notes), the update policy dropped
// (narrows update of one's own), a trigger that refuses new notes (an error where an insert was
// allowed), and secrets granted to authenticated without a policy (a refusal becomes filtering).
const AFTER_SCHEMA = `
  create table public.notes (id int primary key, owner_id uuid not null, body text not null default '');
  alter table public.notes enable row level security;
  create policy notes_read on public.notes for select to authenticated using (true);
  create policy notes_insert on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));
  create function public.closed() returns trigger language plpgsql as $$ begin if new.id >= 10 then raise exception 'notes are closed' using errcode = 'P0001'; end if; return new; end $$;
  create trigger notes_closed before insert on public.notes for each row execute function public.closed();
  create table public.secrets (id int primary key);
  alter table public.secrets enable row level security;
  revoke all on public.secrets from anon, authenticated;
  grant select on public.secrets to authenticated;`;

const MATRIX = `version: 1
name: notes
database: { migrations: schema.sql }
fixtures:
  rows:
    public.notes:
      - { id: 1, owner_id: "@user.alice" }
      - { id: 2, owner_id: "@user.bob" }
      - { id: 3, owner_id: "@user.bob" }
    public.secrets: [{ id: 1 }]
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
tables:
  public.notes:
    scopes:
      own: owner_id = auth.uid()
      others: owner_id <> auth.uid()
    rows:
      own: { id: 10, owner_id: "@user.alice" }
    expect:
      alice:
        select: { own: allow, others: deny }
        update: { own: allow, others: deny }
        insert: { own: allow }
        delete: deny
  public.secrets:
    expect:
      alice: deny
`;

let database: StartedDatabase;
let provider: Provider;
let beforeReport: string;
let afterReport: string;
let project: string;

/** Runs the matrix of `dir` and writes its report to `out` (the run's own exit code is not the point). */
async function report(dir: string, out: string, options: { reporters?: ReporterName[]; signKey?: string } = {}): Promise<string> {
  await runMatrix({ matrices: [join(dir, 'rls-matrix.yaml')], provider, reporters: [createReporters({ outDir: out, cwd: dir, ...options })] });
  return out;
}

const diff = (...args: string[]) => cliInProcess(['diff', ...args]);

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  const before = await writeProject({ 'schema.sql': BEFORE_SCHEMA, 'rls-matrix.yaml': MATRIX });
  const after = await writeProject({ 'schema.sql': AFTER_SCHEMA, 'rls-matrix.yaml': MATRIX });
  project = await tempDir('rls-matrix-diff-');
  beforeReport = await report(before, join(project, 'before'));
  afterReport = await report(after, join(project, 'after'));
}, 120_000);
afterAll(async () => database?.stop());

describe('rls-matrix diff of two runs', () => {
  it('names the widened, narrowed and errored cells of a policy change, and exits 1 on the widening', async () => {
    const markdown = join(project, 'diff.md');
    const json = join(project, 'diff.json');
    const { code, stdout } = await diff(beforeReport, afterReport, '--markdown', markdown, '--json', json);
    expect(code).toBe(1);
    expect(stdout).toContain(`rls-matrix diff of observed outcomes: ${beforeReport} → ${afterReport}`);
    expect(stdout).toContain('▲ widened (2)\n  public.notes · alice · select · others: ∅ filtered (0 of 2 rows visible) → ✓ allowed (2 of 2 rows visible)');
    expect(stdout).toContain('  public.secrets · alice · select · (table): ⊘ denied:privilege (0 of 1 row visible) → ∅ filtered (0 of 1 row visible)');
    expect(stdout).toContain('▼ narrowed (1)\n  public.notes · alice · update · own: ✓ allowed (1 of 1 row affected) → ∅ filtered (0 of 1 row affected)');
    expect(stdout).toContain('⚠ errors changed (1)\n  public.notes · alice · insert · own: ✓ allowed (1 of 1 row written) → ⚠ error P0001');
    expect(stdout).toContain('(2 of 2 rows visible)  at /'); // where the select verdict is written, on the same line
    expect(stdout).toMatch(/→ ✓ allowed \(2 of 2 rows visible\) {2}at \/tmp\/[^\n]*\/rls-matrix\.yaml:23:31\n/);
    expect(stdout).toContain('FAIL diff: 2 widened, 1 narrowed, 1 errors changed, 0 changed, 0 added, 0 removed, 6 unchanged · 2 cells at --fail-on widened');

    const written = JSON.parse(await readFile(json, 'utf8'));
    expect(written.failing).toBe(2);
    expect(written.counts).toEqual({ widened: 2, narrowed: 1, errors: 1, changed: 0, added: 0, removed: 0, unchanged: 6 });
    expect(written.changes.map((c: { kind: string; id: string }) => `${c.kind} ${c.id}`)).toEqual([
      'widened public.notes/alice/select/others',
      'widened public.secrets/alice/select/*',
      'narrowed public.notes/alice/update/own',
      'errors public.notes/alice/insert/own',
    ]);
    expect(written.changes[0]).toMatchObject({
      table: 'public.notes',
      persona: 'alice',
      operation: 'select',
      scope: 'others',
      before: { outcome: { class: 'filtered' } },
      after: { outcome: { class: 'allowed', rows: 2 } },
    });

    const md = await readFile(markdown, 'utf8');
    expect(md).toContain('## ❌ RLS diff: observed access widened in 2 cells');
    expect(md).toContain('### ▲ Widened (2)');
    expect(md).toMatch(/\| `public\.notes` \| alice \| select \| others \| ∅ filtered \(0 of 2 rows visible\) \| ✓ allowed \(2 of 2 rows visible\) \| `[^`]*rls-matrix\.yaml:23:31` \| {2}\|/);
  });

  it('--fail-on chooses what fails: narrowed and errors fail, none never does; the same run twice has no change', async () => {
    expect((await diff(beforeReport, afterReport, '--fail-on', 'narrowed')).code).toBe(1);
    expect((await diff(beforeReport, afterReport, '--fail-on', 'errors,added')).code).toBe(1);
    expect((await diff(beforeReport, afterReport, '--fail-on', 'added,removed')).code).toBe(0);
    const none = await diff(beforeReport, afterReport, '--fail-on', 'none');
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('PASS diff: 2 widened');
    const same = await diff(beforeReport, join(beforeReport, 'results.json'));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('PASS diff: 0 widened, 0 narrowed, 0 errors changed, 0 changed, 0 added, 0 removed, 10 unchanged · none at --fail-on widened');
    const reversed = await diff(afterReport, beforeReport, '--json', '-');
    // Read backwards: undoing the narrowing widens, and so does dropping the trigger (an error gives way to a row written).
    expect(reversed.code).toBe(1);
    const back = JSON.parse(reversed.stdout);
    expect(back.counts).toMatchObject({ widened: 2, narrowed: 2, errors: 0 });
    expect(back.changes.filter((c: { kind: string }) => c.kind === 'widened').map((c: { id: string }) => c.id)).toEqual(['public.notes/alice/insert/own', 'public.notes/alice/update/own']);
  });

  it('PostgreSQL 15 against 18: the same matrix and schema give the same verdict in every cell', async (ctx) => {
    const pg15 = '/usr/lib/postgresql/15/bin';
    if (!existsSync(join(pg15, 'initdb'))) ctx.skip(`no PostgreSQL 15 in ${pg15} (Debian's postgresql-15)`);
    const dir = await writeProject({ 'schema.sql': BEFORE_SCHEMA, 'rls-matrix.yaml': MATRIX });
    const out = join(project, 'pg15');
    await runMatrix({ matrices: [join(dir, 'rls-matrix.yaml')], provider: systemProvider, providerOptions: { pgBin: pg15 }, reporters: [createReporters({ outDir: out, cwd: dir })] });
    const { code, stdout } = await diff(out, beforeReport, '--fail-on', 'widened,narrowed,errors,changed,added,removed');
    expect(code).toBe(0);
    expect(stdout).toMatch(/ {2}before: matrix 'notes', 10 cells, PostgreSQL 15\.\d+[^,]* \(system\), schema [0-9a-f]{12}\n {2}after: {2}matrix 'notes', 10 cells, PostgreSQL 18\.\d+ \(embedded\)/);
    expect(stdout).toContain('PASS diff: 0 widened, 0 narrowed, 0 errors changed, 0 changed, 0 added, 0 removed, 10 unchanged');
  }, 120_000);

  it('refuses (exit 2) what is not a report, a tampered or unsigned report, a report without results.json, other matrices, and mixed inputs', async () => {
    const empty = await tempDir('rls-matrix-not-a-report-');
    const notReport = await diff(empty, afterReport);
    expect(notReport.code).toBe(2);
    expect(notReport.stderr).toContain(`rls-matrix: ${empty} is not an rls-matrix report: no manifest.json in ${empty}`);

    const tampered = join(project, 'tampered');
    await cp(afterReport, tampered, { recursive: true });
    const results = join(tampered, 'results.json');
    // Someone hides the widening: the cell that became allowed reads as filtered again.
    const file = JSON.parse(await readFile(results, 'utf8'));
    const widened = file.results.find((r: { cell: { id: string } }) => r.cell.id === 'public.notes/alice/select/others');
    widened.outcome = { ...widened.outcome, class: 'filtered', rows: 0 };
    await writeFile(results, JSON.stringify(file));
    const altered = await diff(beforeReport, tampered);
    expect(altered.code).toBe(2);
    expect(altered.stderr).toContain(`rls-matrix: ${tampered} does not match its manifest, so its results cannot be trusted: results.json was changed after the report was written`);

    const dir = await writeProject({ 'schema.sql': BEFORE_SCHEMA, 'rls-matrix.yaml': MATRIX });
    const junitOnly = await diff(beforeReport, await report(dir, join(project, 'junit-only'), { reporters: ['junit'] }));
    expect(junitOnly.code).toBe(2);
    expect(junitOnly.stderr).toContain('has no results.json: its run did not write the json report');

    const renamed = await writeProject({ 'schema.sql': BEFORE_SCHEMA, 'rls-matrix.yaml': MATRIX.replace('name: notes', 'name: other notes') });
    const other = await report(renamed, join(project, 'other'));
    const differentMatrix = await diff(beforeReport, other);
    expect(differentMatrix.code).toBe(2);
    expect(differentMatrix.stderr).toContain(`is a run of matrix 'notes' and ${other} of 'other notes': a diff compares runs of one matrix (pass --any-matrix to compare them anyway)`);
    expect((await diff(beforeReport, other, '--any-matrix')).code).toBe(0);

    // --key: both reports must be signed with it.
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    await writeFile(join(project, 'signing.pem'), await exportPKCS8(privateKey));
    await writeFile(join(project, 'signing.pub'), await exportSPKI(publicKey));
    const signed = await report(dir, join(project, 'signed'), { signKey: join(project, 'signing.pem') });
    expect((await diff(signed, signed, '--key', join(project, 'signing.pub'))).code).toBe(0);
    const unsigned = await diff(signed, beforeReport, '--key', join(project, 'signing.pub'));
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain(`${beforeReport} does not match its manifest, so its results cannot be trusted: manifest.sig is absent but a public key was given`);

    const mixed = await diff(beforeReport, join(dir, 'rls-matrix.yaml'));
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('a report and');
    const badFailOn = await diff(beforeReport, afterReport, '--fail-on', 'wider');
    expect(badFailOn.code).toBe(2);
    expect(badFailOn.stderr).toContain('unknown kind wider');
  });
});
