import path from 'node:path';
import { decodeProtectedHeader } from 'jose/decode/protected_header';
import { compactVerify } from 'jose/jws/compact/verify';
import { ReportError } from './errors.js';
import { hashBytes, hashFile, listEntries, NotRegularFileError, readRegularFile } from './hash.js';
import { loadVerifyKey } from './keys.js';
import { type Manifest, MANIFEST_FILE, MANIFEST_VERSION, type ManifestEntry, SIGNATURE_FILE, type SignaturePayload } from './manifest.js';

/** Options of {@link verifyReport}. */
export interface VerifyOptions {
  /** Path of the Ed25519 public key (PEM SPKI or JWK) the manifest must be signed with. Without it, a signature is not checked. */
  publicKey?: string;
  /** Base of the manifest's source paths. @default process.cwd() */
  cwd?: string;
}

/** What can be wrong with an archived report; sources are distinct from artifacts. */
type VerifyProblemKind = 'altered artifact' | 'missing artifact' | 'added artifact' | 'altered source' | 'missing source' | 'invalid signature' | 'missing signature';

/** One thing that does not match the manifest. */
interface VerifyProblem {
  kind: VerifyProblemKind;
  /** The artifact (relative to the report directory), source (relative to `cwd`) or signature file. */
  path: string;
  expected?: string;
  actual?: string;
  message: string;
}

/**
 * - `valid`: signed, and verified with the given public key against manifest.json's bytes.
 * - `invalid`: manifest.sig does not verify with the key, or signs other manifest bytes.
 * - `missing`: a key was given or the manifest declares a signature, but manifest.sig is absent.
 * - `unchecked`: manifest.sig exists but no public key was given.
 * - `unsigned`: no signature, none declared, none asked for.
 */
type SignatureStatus = 'valid' | 'invalid' | 'missing' | 'unchecked' | 'unsigned';

/** What {@link verifyReport} found, per artifact, per source and for the signature. */
export interface VerifyResult {
  /** Every artifact, source and (when a key was given) the signature verified. */
  ok: boolean;
  /** The report itself is untouched: artifacts and signature verified; sources may have moved since. */
  reportIntact: boolean;
  dir: string;
  manifest: Manifest;
  artifacts: { ok: string[]; altered: string[]; missing: string[]; added: string[] };
  sources: { ok: string[]; altered: string[]; missing: string[] };
  signature: { status: SignatureStatus; kid?: string; reason?: string };
  problems: VerifyProblem[];
}

/**
 * Re-checks an archived report: recomputes the sha256 of every artifact and source listed in
 * manifest.json, lists everything that was added to the report directory, and verifies
 * manifest.sig. A report holds regular files only: an artifact, manifest or signature that is a
 * symbolic link, FIFO or anything else is a problem, and is never read (so never blocks).
 *
 * @throws {ReportError} `ERR_REPORT_MANIFEST` when manifest.json is absent or unreadable; `ERR_REPORT_KEY` for a bad key.
 * @example
 * ```ts
 * const result = await verifyReport('rls-report', { publicKey: 'keys/report.pub.pem' });
 * const lines = result.problems.map((p) => `${p.kind}: ${p.path}`); // e.g. 'altered artifact: junit.xml'
 * ```
 */
export async function verifyReport(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const cwd = options.cwd ?? process.cwd();
  const manifestPath = path.join(dir, MANIFEST_FILE);
  const bytes = await readRegularFile(manifestPath).catch((err: unknown) => {
    const message = err instanceof NotRegularFileError ? err.message : `no ${MANIFEST_FILE} in ${dir}`;
    throw new ReportError('ERR_REPORT_MANIFEST', message, { path: manifestPath, cause: err });
  });
  const manifest = parseManifest(bytes, manifestPath);
  const problems: VerifyProblem[] = [];
  const artifacts: VerifyResult['artifacts'] = { ok: [], altered: [], missing: [], added: [] };
  const sources: VerifyResult['sources'] = { ok: [], altered: [], missing: [] };

  for (const entry of manifest.artifacts) {
    const file = path.resolve(dir, entry.path);
    const inside = !path.relative(path.resolve(dir), file).startsWith('..');
    const state = inside ? await compare(file, entry) : ({ kind: 'missing' } as const);
    if (state.kind === 'ok') artifacts.ok.push(entry.path);
    else if (state.kind === 'missing') {
      artifacts.missing.push(entry.path);
      problems.push({ kind: 'missing artifact', path: entry.path, expected: entry.sha256 ?? undefined, message: `${entry.path} is listed in the manifest but absent` });
    } else {
      artifacts.altered.push(entry.path);
      const message = state.kind === 'not regular' ? `${entry.path} is ${state.what}, not a regular file: a report holds regular files only` : `${entry.path} was changed after the report was written`;
      problems.push({ kind: 'altered artifact', path: entry.path, expected: entry.sha256 ?? undefined, ...(state.kind === 'altered' ? { actual: state.sha256 } : {}), message });
    }
  }
  const listed = new Set([...manifest.artifacts.map((a) => a.path), MANIFEST_FILE, SIGNATURE_FILE]);
  for (const { path: file, kind } of await listEntries(dir)) {
    if (listed.has(file)) continue;
    artifacts.added.push(file);
    const what = kind === 'a regular file' ? '' : ` (${kind})`;
    problems.push({ kind: 'added artifact', path: file, message: `${file} is in the report directory but not in the manifest${what}` });
  }

  for (const entry of manifest.sources) {
    if (entry.sha256 === null) continue; // absent when the report was written: nothing to compare
    // Sources are the project's own files, where a symbolic link is ordinary: followed.
    const state = await compare(path.resolve(cwd, entry.path), entry, { followSymlinks: true });
    if (state.kind === 'ok') sources.ok.push(entry.path);
    else if (state.kind === 'missing') {
      sources.missing.push(entry.path);
      problems.push({ kind: 'missing source', path: entry.path, expected: entry.sha256, message: `source ${entry.path} no longer exists (relative to ${cwd})` });
    } else {
      sources.altered.push(entry.path);
      const message = state.kind === 'not regular' ? `source ${entry.path} is ${state.what}, not a regular file` : `source ${entry.path} differs from the one the run read`;
      problems.push({ kind: 'altered source', path: entry.path, expected: entry.sha256, ...(state.kind === 'altered' ? { actual: state.sha256 } : {}), message });
    }
  }

  const signature = await checkSignature(dir, bytes, manifest, options.publicKey);
  if (signature.status === 'invalid' || signature.status === 'missing') {
    problems.push({ kind: `${signature.status} signature`, path: SIGNATURE_FILE, message: signature.reason ?? `${signature.status} signature` });
  }
  const reportIntact = problems.every((p) => p.kind === 'missing source' || p.kind === 'altered source');
  return { ok: problems.length === 0, reportIntact, dir, manifest, artifacts, sources, signature, problems };
}

type Comparison = { kind: 'ok' } | { kind: 'missing' } | { kind: 'altered'; sha256: string } | { kind: 'not regular'; what: string };

async function compare(file: string, entry: ManifestEntry, options: { followSymlinks?: boolean } = {}): Promise<Comparison> {
  let actual: string;
  try {
    actual = (await hashFile(file, options)).sha256;
  } catch (err) {
    if (err instanceof NotRegularFileError) return { kind: 'not regular', what: err.kind };
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  return actual === entry.sha256 ? { kind: 'ok' } : { kind: 'altered', sha256: actual };
}

async function checkSignature(dir: string, manifestBytes: Uint8Array, manifest: Manifest, publicKey: string | undefined): Promise<VerifyResult['signature']> {
  const sigPath = path.join(dir, SIGNATURE_FILE);
  let jws: string | undefined;
  try {
    jws = (await readRegularFile(sigPath)).toString('utf8').trim();
  } catch (err) {
    if (err instanceof NotRegularFileError) return { status: 'invalid', reason: `${SIGNATURE_FILE} is ${err.kind}, not a regular file` };
  }
  if (jws === undefined) {
    if (publicKey !== undefined) return { status: 'missing', reason: `${SIGNATURE_FILE} is absent but a public key was given` };
    if (manifest.signature) return { status: 'missing', kid: manifest.signature.kid, reason: `the manifest was signed but ${SIGNATURE_FILE} is absent` };
    return { status: 'unsigned' };
  }
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(jws).kid;
  } catch {
    return { status: 'invalid', reason: `${SIGNATURE_FILE} is not a compact JWS` };
  }
  if (publicKey === undefined) return { status: 'unchecked', ...(kid ? { kid } : {}), reason: 'no public key given' };
  const key = await loadVerifyKey(publicKey);
  let payload: SignaturePayload;
  try {
    const verified = await compactVerify(jws, key.publicKey, { algorithms: ['EdDSA'] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as SignaturePayload;
  } catch {
    return { status: 'invalid', ...(kid ? { kid } : {}), reason: `${SIGNATURE_FILE} does not verify with the public key (key ${key.kid})` };
  }
  if (payload.sha256 !== hashBytes(manifestBytes)) {
    return { status: 'invalid', ...(kid ? { kid } : {}), reason: `${MANIFEST_FILE} was changed after it was signed` };
  }
  return { status: 'valid', kid: key.kid };
}

function parseManifest(bytes: Uint8Array, file: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new ReportError('ERR_REPORT_MANIFEST', `${file} is not valid JSON`, { path: file, cause: err });
  }
  const m = value as Partial<Manifest> | null;
  if (!m || typeof m !== 'object' || m.manifestVersion !== MANIFEST_VERSION || !Array.isArray(m.artifacts) || !Array.isArray(m.sources)) {
    throw new ReportError('ERR_REPORT_MANIFEST', `${file} is not an rls-matrix manifest of version ${MANIFEST_VERSION}`, { path: file });
  }
  return m as Manifest;
}
