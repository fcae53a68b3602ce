import { afterAll, beforeAll, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix } from '../harness/run.js';
import { createReporters } from '../reports/index.js';
import { startSharedDatabase } from './helpers.js';

// The reports of a real run, end to end: what CI reads, what an auditor verifies, what must never leak.
const root = join(import.meta.dirname, '..');
const plantedBugs = join(root, 'test/projects/planted-bugs/rls-matrix.yaml');
let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
afterAll(async () => database?.stop());

async function cli(args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'bin/rls-matrix.js'), ...args], { cwd: root, env: { ...process.env, CI: 'true' } });
    return { code: 0, stdout };
  } catch (error) {
    return { code: (error as { code: number }).code, stdout: (error as { stdout: string }).stdout };
  }
}

it('a signed report of a failing run verifies, and verify names the artifact altered afterwards', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-signed-'));
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  await writeFile(join(dir, 'signing.pem'), await exportPKCS8(privateKey));
  await writeFile(join(dir, 'signing.pub'), await exportSPKI(publicKey));
  const out = join(dir, 'report');

  expect((await cli(['run', plantedBugs, '--out', out, '--sign-key', join(dir, 'signing.pem')])).code).toBe(1);
  expect((await readdir(out)).sort()).toEqual(['junit.xml', 'manifest.json', 'manifest.sig', 'report.html', 'results.json', 'summary.md']);

  // JUnit as a CI parses it: a suite per table, the planted bugs as failures, and a suite of lint
  // findings (informational without --fail-on, so they add tests but no failures).
  const junit = new XMLParser({ ignoreAttributes: false }).parse(await readFile(join(out, 'junit.xml'), 'utf8'));
  const suites = junit.testsuites.testsuite as { '@_name': string; '@_tests': string }[];
  expect(suites).toHaveLength(5);
  const lintSuite = suites.find((s) => s['@_name'] === 'rls-matrix lints');
  expect(Number(lintSuite?.['@_tests'])).toBeGreaterThan(0);
  expect(Number(junit.testsuites['@_tests'])).toBe(60 + Number(lintSuite?.['@_tests']));
  expect(junit.testsuites['@_failures']).toBe('14');
  const summary = await readFile(join(out, 'summary.md'), 'utf8');
  expect(summary).toContain('hand\\_over (update)');

  // Lints and coverage reach every report: the planted table without RLS is a lint error too.
  expect(summary).toMatch(/\*\*Lints:\*\* [1-9]\d* errors?/);
  expect(summary).toContain('rls-disabled-in-public');
  expect(summary).toMatch(/\*\*Coverage:\*\* \d+ table × persona × operation combinations/);
  const properties = [junit.testsuites.testsuite].flat()[0].properties.property as { '@_name': string; '@_value': string }[];
  expect(Number(properties.find((p) => p['@_name'] === 'lint.errors')?.['@_value'])).toBeGreaterThan(0);
  expect(properties.find((p) => p['@_name'] === 'coverage.stated')?.['@_value']).toMatch(/^\d+$/);
  const html = await readFile(join(out, 'report.html'), 'utf8');
  expect(html).toContain('id="lints"');
  expect(html).toContain('public.audit_log');
  expect(html).toContain('id="coverage"');

  const verified = await cli(['verify', out, '--key', join(dir, 'signing.pub')]);
  expect(verified).toMatchObject({ code: 0 });
  expect(verified.stdout).toContain('signature valid');

  const results = join(out, 'results.json');
  await writeFile(results, (await readFile(results, 'utf8')).replace('"fail"', '"pass"'));
  const tampered = await cli(['verify', out, '--key', join(dir, 'signing.pub')]);
  expect(tampered.code).toBe(1);
  expect(tampered.stdout).toContain('altered artifact: results.json');
});

it('no artifact contains the database password or the JWT secret, and the manifest says who ran it', async () => {
  const out = await mkdtemp(join(tmpdir(), 'rls-matrix-secrets-'));
  const jwtSecret = 'a-jwt-secret-nobody-may-ever-read-in-a-report';
  await runMatrix({ matrices: [plantedBugs], provider, jwtSecret, reporters: [createReporters({ outDir: out })] });
  const files = await readdir(out);
  expect(files).toContain('report.html');
  for (const file of files) {
    const text = await readFile(join(out, file), 'utf8');
    expect(text, file).not.toContain(database.connection.password);
    expect(text, file).not.toContain(jwtSecret);
  }
  const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
  expect(manifest.schemaFingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  if (process.env.USER || process.env.GITHUB_ACTOR) expect(manifest.actor).toBeTruthy();
});
