import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ReportError, createReporters, verifyReport, writeReports, type Manifest } from '../../reports/index.js';
import { makeSampleRun } from '../fixtures/results-sample.js';

/** A project on disk: matrix, migrations and fixtures, and Ed25519 keys in several encodings. */
let root: string;
let keys: { pkcs8: string; spki: string; jwkPrivate: string; jwkPublic: string; otherSpki: string; rsa: string };
let sources: string[];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'rls-manifest-'));
  await mkdir(path.join(root, 'project', 'migrations'), { recursive: true });
  sources = ['project/matrix.yaml', 'project/migrations/001_init.sql', 'project/migrations/002_rls.sql', 'project/seed.sql'];
  for (const s of sources) await writeFile(path.join(root, s), `-- ${s}\nselect 1;\n`);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  keys = {
    pkcs8: path.join(root, 'sign.pem'),
    spki: path.join(root, 'sign.pub.pem'),
    jwkPrivate: path.join(root, 'sign.jwk'),
    jwkPublic: path.join(root, 'sign.pub.jwk'),
    otherSpki: path.join(root, 'other.pub.pem'),
    rsa: path.join(root, 'rsa.pem'),
  };
  await writeFile(keys.pkcs8, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(keys.spki, publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(keys.jwkPrivate, JSON.stringify(privateKey.export({ format: 'jwk' })));
  await writeFile(keys.jwkPublic, JSON.stringify(publicKey.export({ format: 'jwk' })));
  await writeFile(keys.otherSpki, other.publicKey.export({ type: 'spki', format: 'pem' }));
  await writeFile(keys.rsa, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function report(name: string, options: { signKey?: string; sources?: string[] } = {}): Promise<string> {
  const run = makeSampleRun({ matrixFiles: [path.join(root, 'project/matrix.yaml')], sources: (options.sources ?? sources).map((s) => path.join(root, s)) });
  const outDir = path.join(root, 'reports', name);
  await writeReports(run.meta, run.results, run.summary, { outDir, cwd: root, now: () => new Date('2025-11-22T09:00:00.000Z'), ...(options.signKey ? { signKey: options.signKey } : {}) });
  return outDir;
}

describe('manifest.json', () => {
  it('hashes every artifact and every source, with provenance and timestamps', async () => {
    const dir = await report('plain');
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.manifestVersion).toBe(1);
    expect(manifest.artifacts.map((a) => a.path)).toEqual(['junit.xml', 'report.html', 'results.json', 'summary.md']);
    for (const a of manifest.artifacts) expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Sources relative to the working directory, the matrix file once.
    expect(manifest.sources.map((s) => s.path)).toEqual([...sources].sort());
    expect(manifest).toMatchObject({
      tool: { name: 'rls-matrix', version: '0.1.0' },
      matrix: { name: 'CreatorOS content isolation', files: ['project/matrix.yaml'] },
      postgresVersion: '17.6',
      provider: 'embedded',
      gitCommit: '3b7e9c1d2f4a6b8c0d1e2f3a4b5c6d7e8f9a0b1c',
      startedAt: '2025-11-22T08:00:00.000Z',
      finishedAt: '2025-11-22T08:00:03.600Z',
      createdAt: '2025-11-22T09:00:00.000Z',
      counts: { total: 16, pass: 10, fail: 3, error: 2, known: 1 },
      exitCode: 1,
    });
    expect(manifest.signature).toBeUndefined();
    expect(await readdir(dir)).not.toContain('manifest.sig');
  });

  it('hashes the files of a source directory', async () => {
    const dir = await report('dir-source', { sources: ['project/matrix.yaml', 'project/migrations'] });
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.sources.map((s) => s.path)).toEqual(['project/matrix.yaml', 'project/migrations/001_init.sql', 'project/migrations/002_rls.sql']);
  });

  it('is signed as a compact EdDSA JWS over the manifest digest, keyed by thumbprint', async () => {
    const dir = await report('signed', { signKey: keys.pkcs8 });
    const jws = (await readFile(path.join(dir, 'manifest.sig'), 'utf8')).trim();
    expect(jws.split('.')).toHaveLength(3);
    const header = decodeProtectedHeader(jws);
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'rls-matrix-manifest+jws' });
    const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.signature).toEqual({ file: 'manifest.sig', alg: 'EdDSA', kid: header.kid });
  });
});

describe('verifyReport', () => {
  let dir: string;
  beforeEach(async () => {
    for (const s of sources) await writeFile(path.join(root, s), `-- ${s}\nselect 1;\n`);
    dir = await report(`verify-${Math.random().toString(36).slice(2)}`, { signKey: keys.pkcs8 });
  });

  it('accepts an untouched signed report, with a PEM or a JWK public key', async () => {
    for (const publicKey of [keys.spki, keys.jwkPublic, keys.pkcs8]) {
      const result = await verifyReport(dir, { publicKey, cwd: root });
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      expect(result.reportIntact).toBe(true);
      expect(result.signature.status).toBe('valid');
      expect(result.artifacts.ok).toHaveLength(4);
      expect(result.sources.ok).toHaveLength(4);
    }
  });

  it('names an altered, a missing and an added artifact', async () => {
    await appendFile(path.join(dir, 'junit.xml'), '<!-- edited -->');
    await unlink(path.join(dir, 'summary.md'));
    await writeFile(path.join(dir, 'notes.txt'), 'added later');
    const result = await verifyReport(dir, { publicKey: keys.spki, cwd: root });
    expect(result.ok).toBe(false);
    expect(result.reportIntact).toBe(false);
    expect(result.artifacts).toMatchObject({ altered: ['junit.xml'], missing: ['summary.md'], added: ['notes.txt'] });
    expect(result.problems.map((p) => `${p.kind}: ${p.path}`).sort()).toEqual(['added artifact: notes.txt', 'altered artifact: junit.xml', 'missing artifact: summary.md']);
    const altered = result.problems.find((p) => p.kind === 'altered artifact')!;
    expect(altered.expected).toMatch(/^[0-9a-f]{64}$/);
    expect(altered.actual).toMatch(/^[0-9a-f]{64}$/);
    expect(altered.actual).not.toBe(altered.expected);
    expect(result.signature.status).toBe('valid');
  });

  it('tells an altered source from a missing source, and keeps the report intact', async () => {
    await appendFile(path.join(root, 'project/migrations/002_rls.sql'), 'drop policy p on t;\n');
    await unlink(path.join(root, 'project/seed.sql'));
    const result = await verifyReport(dir, { publicKey: keys.spki, cwd: root });
    expect(result.ok).toBe(false);
    expect(result.reportIntact).toBe(true);
    expect(result.sources).toMatchObject({ altered: ['project/migrations/002_rls.sql'], missing: ['project/seed.sql'] });
    expect(result.problems.map((p) => p.kind).sort()).toEqual(['altered source', 'missing source']);
    expect(result.artifacts.altered).toEqual([]);
  });

  it('reports every source as missing when verified from another directory', async () => {
    const result = await verifyReport(dir, { cwd: tmpdir() });
    expect(result.sources.missing).toHaveLength(4);
    expect(result.problems.every((p) => p.kind === 'missing source')).toBe(true);
  });

  it('rejects an edited manifest, a foreign key and a removed signature', async () => {
    const other = await verifyReport(dir, { publicKey: keys.otherSpki, cwd: root });
    expect(other.signature.status).toBe('invalid');
    expect(other.problems.map((p) => p.kind)).toEqual(['invalid signature']);

    const manifestPath = path.join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    manifest.counts.fail = 0;
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const edited = await verifyReport(dir, { publicKey: keys.spki, cwd: root });
    expect(edited.signature).toMatchObject({ status: 'invalid', reason: 'manifest.json was changed after it was signed' });
    expect(edited.reportIntact).toBe(false);

    await unlink(path.join(dir, 'manifest.sig'));
    expect((await verifyReport(dir, { publicKey: keys.spki, cwd: root })).signature.status).toBe('missing');
    // The manifest declares a signature: its absence is noticed even without a key.
    expect((await verifyReport(dir, { cwd: root })).signature.status).toBe('missing');
  });

  it('leaves a signature unchecked without a key, and reports an unsigned report as unsigned', async () => {
    expect((await verifyReport(dir, { cwd: root })).signature.status).toBe('unchecked');
    const plain = await report('unsigned');
    const result = await verifyReport(plain, { cwd: root });
    expect(result.signature.status).toBe('unsigned');
    expect(result.ok).toBe(true);
    expect((await verifyReport(plain, { publicKey: keys.spki, cwd: root })).signature.status).toBe('missing');
  });

  it('signs with a JWK private key too', async () => {
    const jwkDir = await report('jwk', { signKey: keys.jwkPrivate });
    expect((await verifyReport(jwkDir, { publicKey: keys.spki, cwd: root })).signature.status).toBe('valid');
  });

  it('throws ERR_REPORT_MANIFEST for a directory without a manifest', async () => {
    const empty = path.join(root, 'empty');
    await mkdir(empty, { recursive: true });
    await expect(verifyReport(empty)).rejects.toMatchObject({ code: 'ERR_REPORT_MANIFEST' });
  });
});

describe('keys and secrets', () => {
  it('refuses a non-Ed25519 or unreadable key at run start, without quoting it', async () => {
    const run = makeSampleRun();
    for (const signKey of [keys.rsa, path.join(root, 'nope.pem'), keys.spki]) {
      const reports = createReporters({ outDir: path.join(root, 'reports', 'badkey'), signKey });
      const err = (await reports.onRunStart(run.meta).catch((e: unknown) => e)) as ReportError;
      expect(err).toBeInstanceOf(ReportError);
      expect(err.code).toBe('ERR_REPORT_KEY');
      expect(err.message).not.toContain('BEGIN');
    }
    const garbage = path.join(root, 'garbage.jwk');
    await writeFile(garbage, '{"kty":"OKP","d":"SECRET-SHOULD-NOT-LEAK",');
    const err = (await createReporters({ outDir: path.join(root, 'reports', 'badkey'), signKey: garbage })
      .onRunStart(run.meta)
      .catch((e: unknown) => e)) as ReportError;
    expect(err.code).toBe('ERR_REPORT_KEY');
    expect(`${err.message} ${String(err.cause)}`).not.toContain('SECRET-SHOULD-NOT-LEAK');
  });

  it('never writes a secret of the run into any artifact', async () => {
    // What a CLI holds while running: a database URL with a password, the JWT secret, a signing key.
    const FAKE = 'FAKE-SECRET-7f3a9c2e-do-not-print';
    const runOptions = { url: `postgres://app:${FAKE}@db.internal:5432/app`, jwtSecret: `${FAKE}-jwt-secret-of-32-characters`, signKey: keys.pkcs8 };
    const saved = { PGPASSWORD: process.env.PGPASSWORD, SUPABASE_JWT_SECRET: process.env.SUPABASE_JWT_SECRET };
    process.env.PGPASSWORD = FAKE;
    process.env.SUPABASE_JWT_SECRET = runOptions.jwtSecret;
    try {
      // The harness builds RunMeta from the run without its secrets; reporters only ever see that.
      const run = makeSampleRun({ matrixFiles: [path.join(root, 'project/matrix.yaml')], sources: sources.map((s) => path.join(root, s)) });
      run.meta.provider = 'url';
      const outDir = path.join(root, 'reports', 'secrets');
      await writeReports(run.meta, run.results, run.summary, { outDir, cwd: root, signKey: runOptions.signKey });
      const privatePem = await readFile(keys.pkcs8, 'utf8');
      const privateJwk = JSON.parse(await readFile(keys.jwkPrivate, 'utf8')) as { d: string };
      const pemBody = privatePem
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))
        .join('');
      const files = await readdir(outDir);
      expect(files.sort()).toEqual(['junit.xml', 'manifest.json', 'manifest.sig', 'report.html', 'results.json', 'summary.md']);
      for (const file of files) {
        const text = await readFile(path.join(outDir, file), 'utf8');
        expect(text, file).not.toContain(FAKE);
        expect(text, file).not.toContain('db.internal');
        expect(text, file).not.toContain(pemBody);
        expect(text, file).not.toContain(privateJwk.d);
      }
    } finally {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
  });
});
