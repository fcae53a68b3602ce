import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompactSign } from 'jose/jws/compact/sign';
import type { RunCounts, RunMeta, RunSummary } from '../core/index.js';
import { ReportError } from './errors.js';
import { jsonWithoutControls } from './format.js';
import { hashBytes, hashFile, listFiles } from './hash.js';
import { loadSigningKey, type SigningKey } from './keys.js';

/** File name of the manifest inside the report directory. */
export const MANIFEST_FILE = 'manifest.json';
/** File name of the manifest's signature (a compact JWS) inside the report directory. */
export const SIGNATURE_FILE = 'manifest.sig';
/** The manifest format this module writes and `verifyReport` reads. */
export const MANIFEST_VERSION = 1;
/** `typ` of the signature's protected header. */
const SIGNATURE_TYPE = 'rls-matrix-manifest+jws';

/** One hashed file. `sha256` and `bytes` are null for a source that was missing when the report was written. */
export interface ManifestEntry {
  path: string;
  sha256: string | null;
  bytes: number | null;
}

/**
 * manifest.json, version 1: what ran, against which schema, with what result, and the sha256 of every
 * artifact (paths relative to the report directory) and every source (paths relative to the working
 * directory of the run).
 */
export interface Manifest {
  manifestVersion: typeof MANIFEST_VERSION;
  tool: { name: string; version: string };
  matrix: { name: string; files: string[] };
  schemaFingerprint: string;
  postgresVersion: string;
  provider: string;
  gitCommit?: string;
  actor?: string;
  ciRunUrl?: string;
  startedAt: string;
  finishedAt: string;
  createdAt: string;
  counts: RunCounts;
  exitCode: 0 | 1;
  artifacts: ManifestEntry[];
  sources: ManifestEntry[];
  /** Present when the manifest is signed: where the signature is and which key made it. */
  signature?: { file: string; alg: 'EdDSA'; kid: string };
}

/**
 * The payload of manifest.sig: the signature covers the sha256 of manifest.json's exact bytes, so any
 * change to the manifest (and through its hashes, to any artifact or source) breaks it.
 */
export interface SignaturePayload {
  manifest: string;
  sha256: string;
  createdAt: string;
}

/** Options of {@link writeManifest}. */
export interface WriteManifestOptions {
  meta: Readonly<RunMeta>;
  summary: Readonly<RunSummary>;
  /** Counts of the results the artifacts hold. */
  counts: Readonly<RunCounts>;
  /** Artifact file names, relative to `dir`. */
  artifacts: readonly string[];
  /** Base of source paths. @default process.cwd() */
  cwd?: string;
  /** Path of an Ed25519 private key (PEM PKCS8 or JWK) to sign with, or a key already loaded. */
  signKey?: string | SigningKey;
  /** @default () => new Date() */
  now?: () => Date;
  /** The sources' hashes as the run read them, instead of hashing the files now (a merge: the shards read them). */
  sources?: readonly ManifestEntry[];
}

/**
 * Hashes the artifacts and sources, writes `manifest.json` and, with a signing key, `manifest.sig`:
 * a compact JWS (EdDSA/Ed25519, header `kid` = the key's RFC 7638 thumbprint) whose payload is
 * `{ manifest: "manifest.json", sha256: <hex of its bytes>, createdAt }`.
 *
 * @returns the manifest and the files written (manifest, then signature).
 * @example
 * ```ts
 * await writeManifest('rls-report', { meta, summary, counts, artifacts: ['junit.xml'], signKey: 'keys/report.pem' });
 * ```
 */
export async function writeManifest(dir: string, options: WriteManifestOptions): Promise<{ manifest: Manifest; files: string[] }> {
  const { meta, summary, counts } = options;
  const cwd = options.cwd ?? process.cwd();
  const key = typeof options.signKey === 'string' ? await loadSigningKey(options.signKey) : options.signKey;
  const createdAt = (options.now ?? (() => new Date()))().toISOString();
  const artifacts: ManifestEntry[] = [];
  for (const name of [...options.artifacts].sort()) {
    artifacts.push({ path: name, ...(await hashFile(path.join(dir, name))) });
  }
  const manifest: Manifest = {
    manifestVersion: MANIFEST_VERSION,
    tool: { name: meta.tool.name, version: meta.tool.version },
    matrix: { name: meta.matrixName, files: meta.matrixFiles.map((f) => cwdRelative(f, cwd)) },
    schemaFingerprint: meta.schemaFingerprint,
    postgresVersion: meta.postgresVersion,
    provider: meta.provider,
    ...(meta.gitCommit === undefined ? {} : { gitCommit: meta.gitCommit }),
    ...(meta.actor === undefined ? {} : { actor: meta.actor }),
    ...(meta.ciRunUrl === undefined ? {} : { ciRunUrl: meta.ciRunUrl }),
    startedAt: meta.startedAt,
    finishedAt: summary.finishedAt,
    createdAt,
    counts: { ...counts },
    exitCode: counts.fail + counts.error > 0 ? 1 : 0,
    artifacts,
    sources: options.sources ? [...options.sources] : await hashSources([...meta.matrixFiles, ...meta.sources], cwd),
    ...(key ? { signature: { file: SIGNATURE_FILE, alg: 'EdDSA' as const, kid: key.kid } } : {}),
  };
  const bytes = Buffer.from(`${jsonWithoutControls(JSON.stringify(manifest, null, 2))}\n`, 'utf8');
  const files = [path.join(dir, MANIFEST_FILE)];
  await write(files[0]!, bytes);
  if (key) {
    const payload: SignaturePayload = { manifest: MANIFEST_FILE, sha256: hashBytes(bytes), createdAt };
    const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', typ: SIGNATURE_TYPE, kid: key.kid }).sign(key.privateKey);
    files.push(path.join(dir, SIGNATURE_FILE));
    await write(files[1]!, `${jws}\n`);
  }
  return { manifest, files };
}

/** A source path as the manifest stores it: relative to `cwd`, forward slashes. */
function cwdRelative(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  return (rel === '' ? '.' : rel).split(path.sep).join('/');
}

async function hashSources(files: readonly string[], cwd: string): Promise<ManifestEntry[]> {
  const seen = new Set<string>();
  const entries: ManifestEntry[] = [];
  const add = async (abs: string): Promise<void> => {
    const rel = cwdRelative(abs, cwd);
    if (seen.has(rel)) return;
    seen.add(rel);
    try {
      entries.push({ path: rel, ...(await hashFile(abs, { followSymlinks: true })) });
    } catch {
      entries.push({ path: rel, sha256: null, bytes: null });
    }
  };
  for (const file of files) {
    const abs = path.resolve(cwd, file);
    const info = await stat(abs).catch(() => undefined);
    if (info?.isDirectory()) {
      for (const inner of await listFiles(abs)) await add(path.join(abs, inner));
    } else {
      await add(abs);
    }
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function write(file: string, data: string | Uint8Array): Promise<void> {
  try {
    await writeFile(file, data);
  } catch (err) {
    throw new ReportError('ERR_REPORT_WRITE', `cannot write ${file}: ${String(err)}`, { path: file, cause: err });
  }
}
