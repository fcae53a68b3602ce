import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleReporter } from '../reports/console.js';
import { failingFindings, LINT_IDS } from '../core/index.js';
import { LINTS } from '../lint/index.js';
import { applyWaivers, waiverMatches } from '../lint/waivers.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { loadMatrix } from '../matrix/load.js';
import { MatrixErrors } from '../matrix/errors.js';
import { runAndCollect, startSharedDatabase, writeProject } from './helpers.js';
import type { LintFinding } from '../core/index.js';

const finding = (id: LintFinding['id'], object: string, severity: LintFinding['severity'] = 'error'): LintFinding => ({ id, severity, object, objectType: 'table', message: 'm', why: 'w', fix: 'f' });

describe('the registry', () => {
  it('registers exactly the ids a waiver may name, each documented with one line', () => {
    expect(Object.keys(LINTS).sort()).toEqual([...LINT_IDS].sort());
    const docs = ['docs/lints.md', 'README.md']
      .map((f) => join(import.meta.dirname, '..', f))
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const id of LINT_IDS) expect(docs, id).toContain(`| \`${id}\` |`);
  });
});

describe('waiver matching (pure)', () => {
  it('matches the lint and schema.name, * patterns, and unqualified names in the exposed schemas', () => {
    const f = finding('rls-disabled-in-public', 'public.audit_log');
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'public.audit_log' }, f, ['public'])).toBe(true);
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'public.audit_*' }, f, ['public'])).toBe(true);
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'audit_log' }, f, ['public'])).toBe(true);
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'audit_log' }, f, ['api'])).toBe(false);
    expect(waiverMatches({ lint: 'rls-enabled-no-policy', object: 'public.audit_log' }, f, ['public'])).toBe(false);
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'public.audit' }, f, ['public'])).toBe(false);
    expect(waiverMatches({ lint: 'rls-disabled-in-public', object: 'public.audit.log' }, finding('rls-disabled-in-public', 'public.audit_log'), ['public'])).toBe(false);
  });

  it('keeps waived findings, marked with the reason and where it is written; --fail-on ignores them', () => {
    const source = { file: '/m.yaml', line: 9, column: 5 };
    const findings = applyWaivers(
      [finding('rls-disabled-in-public', 'public.a'), finding('rls-disabled-in-public', 'public.b'), finding('auth-rls-initplan', 'public.c', 'warn')],
      [{ lint: 'rls-disabled-in-public', object: 'public.a', reason: 'append-only log, no API grant', source }],
      ['public'],
    );
    expect(findings).toHaveLength(3);
    expect(findings[0]).toMatchObject({ object: 'public.a', waived: { reason: 'append-only log, no API grant', source } });
    expect(failingFindings(findings, 'error').map((f) => f.object)).toEqual(['public.b']);
    expect(failingFindings(findings, 'warn').map((f) => f.object)).toEqual(['public.b', 'public.c']);
    expect(failingFindings(findings, 'none')).toEqual([]);
    expect(failingFindings(findings, undefined)).toEqual([]);
  });
});

describe('waivers: in the matrix', () => {
  const matrixWith = (waivers: string) => writeProject({ 'rls-matrix.yaml': `version: 1\npersonas:\n  anon: { role: anon }\nwaivers:\n${waivers}` });

  it('an unknown lint id is an error at file:line:column with the nearest id', async () => {
    const dir = await matrixWith('  - { lint: rls-disabled-in-publik, object: public.audit_log, reason: append-only }\n');
    const error = await loadMatrix(join(dir, 'rls-matrix.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixErrors);
    expect((error as MatrixErrors).message).toContain(`unknown lint 'rls-disabled-in-publik' in waivers[0]`);
    expect((error as MatrixErrors).message).toContain(`at ${dir}/rls-matrix.yaml:5:7 — did you mean 'rls-disabled-in-public'?`);
  });

  it('a waiver needs a reason, and its keys are checked', async () => {
    const dir = await matrixWith('  - { lint: rls-enabled-no-policy, object: public.x, reason: "  " }\n  - { lint: rls-enabled-no-policy, objet: public.y, reason: r }\n');
    const message = ((await loadMatrix(join(dir, 'rls-matrix.yaml')).catch((e: unknown) => e)) as Error).message;
    expect(message).toContain('say why the finding is accepted');
    expect(message).toMatch(/unknown key 'objet' in waivers\[1\] at .*rls-matrix\.yaml:6:\d+ — did you mean 'object'\?/);
  });
});

describe('waivers and --fail-on in a run', () => {
  let database: StartedDatabase;
  let provider: Provider;
  beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
  afterAll(async () => database?.stop());

  const project = (waivers: string) =>
    writeProject({
      'schema.sql': `
        create table public.notes (id int primary key, owner_id uuid not null);
        create index on public.notes (owner_id);
        alter table public.notes enable row level security;
        create policy notes_own on public.notes for select to authenticated using (owner_id = (select auth.uid()));
        revoke all on public.notes from anon;
        create table public.audit_log (id int primary key);
        revoke all on public.audit_log from anon, authenticated;`,
      'rls-matrix.yaml': `version: 1
database: { migrations: schema.sql }
fixtures:
  rows:
    public.notes: [{ id: 1, owner_id: "@user.alice" }]
    public.audit_log: [{ id: 1 }]
personas:
  anon: { role: anon }
  alice: { role: authenticated }
  idle: { role: authenticated }
tables:
  public.notes:
    expect:
      alice: { select: allow, update: deny }
  "*":
    expect:
      alice: deny
${waivers}`,
    });

  it('an unwaived error fails the run with --fail-on error, although every cell passes; without --fail-on lints only inform', async () => {
    const dir = await project('');
    const failing = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, failOn: 'error' });
    expect(failing.summary.counts.fail + failing.summary.counts.error).toBe(0);
    expect(failing.summary).toMatchObject({ exitCode: 1, lintFailures: 1 });
    expect(failing.meta.lint?.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.object}`)).toEqual(['rls-disabled-in-public public.audit_log']);

    const informational = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, lint: true });
    expect(informational.summary.exitCode).toBe(0);
    expect(informational.summary.lintFailures).toBeUndefined();
  });

  it('a waived finding is still reported, with its reason, and does not count for --fail-on; the console shows lint and coverage', async () => {
    const dir = await project('waivers:\n  - { lint: rls-disabled-in-public, object: "public.audit_*", reason: written by triggers only; no API grant }\n');
    let printed = '';
    const out = consoleReporter({ write: (t) => void (printed += t), color: false, quiet: false, progress: false });
    const { summary, meta } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, failOn: 'error', reporters: [out] });
    expect(summary).toMatchObject({ exitCode: 0, lintFailures: 0 });
    expect(meta.lint?.find((f) => f.object === 'public.audit_log')).toMatchObject({
      id: 'rls-disabled-in-public',
      waived: { reason: 'written by triggers only; no API grant', source: { file: join(dir, 'rls-matrix.yaml'), line: 19 } },
    });
    expect(printed).toContain('lint: 0 errors, 0 warnings, 0 info, 1 waived');
    expect(printed).toContain(
      'coverage: 24 table × persona × operation combinations: 2 stated (8%), 6 defaulted (25%), 16 untested (67%) · tables no matrix names (1): public.audit_log · personas that never act (2): anon, idle',
    );
    expect(meta.coverage?.idlePersonas).toEqual(['anon', 'idle']);
  });

  it('lint: false skips the lints (RunMeta.lint stays absent); coverage is always there', async () => {
    const dir = await project('');
    const { meta, summary } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, lint: false, failOn: 'error' });
    expect(meta.lint).toBeUndefined();
    expect(meta.coverage?.counts.total).toBe(24);
    expect(summary.exitCode).toBe(0);
  });
});
