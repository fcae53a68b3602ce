// Kept in the emitted .d.ts: a project whose tsconfig lists its `types` still loads @types/node for this file.
/// <reference types="node" preserve="true" />
import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { calculateJwkThumbprint } from 'jose/jwk/thumbprint';
import { ReportError } from './errors.js';

/**
 * Ed25519 keys for signing and verifying the manifest, read from a PEM file (PKCS8 private, SPKI
 * public, or an X.509 certificate for verifying) or a JWK JSON file. Error messages never quote a
 * key file's content. Internal to `reports/`.
 */

/** A loaded Ed25519 key pair for signing manifests. */
export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** RFC 7638 thumbprint of the public key: names the key without revealing anything secret. */
  kid: string;
}

/** Reads an Ed25519 private key (PEM PKCS8 or JWK with `d`). */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  const text = await readKeyFile(file);
  let privateKey: KeyObject;
  try {
    privateKey = text.trimStart().startsWith('{') ? createPrivateKey({ key: parseJwk(text, file), format: 'jwk' }) : createPrivateKey(text);
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError('ERR_REPORT_KEY', `${file} is not a private key (expected PEM PKCS8 or a JWK with "d")`, { path: file });
  }
  requireEd25519(privateKey, file);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, kid: await keyId(publicKey) };
}

/** Reads an Ed25519 public key (PEM SPKI, certificate, JWK; a private key's public half is used). */
export async function loadVerifyKey(file: string): Promise<{ publicKey: KeyObject; kid: string }> {
  const text = await readKeyFile(file);
  let publicKey: KeyObject;
  try {
    if (text.trimStart().startsWith('{')) {
      const { d: _private, ...jwk } = parseJwk(text, file);
      publicKey = createPublicKey({ key: jwk, format: 'jwk' });
    } else {
      publicKey = createPublicKey(text);
    }
  } catch (err) {
    if (err instanceof ReportError) throw err;
    throw new ReportError('ERR_REPORT_KEY', `${file} is not a public key (expected PEM SPKI or a JWK)`, { path: file });
  }
  requireEd25519(publicKey, file);
  return { publicKey, kid: await keyId(publicKey) };
}

async function readKeyFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ReportError('ERR_REPORT_KEY', `cannot read key file ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { path: file });
  }
}

function parseJwk(text: string, file: string): JsonWebKey {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as JsonWebKey;
  } catch {
    // The parser's message may quote the file; say only where the problem is.
  }
  throw new ReportError('ERR_REPORT_KEY', `${file} is not valid JWK JSON`, { path: file });
}

function requireEd25519(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ReportError('ERR_REPORT_KEY', `${file} holds a ${key.asymmetricKeyType ?? 'symmetric'} key; manifests are signed with Ed25519 (EdDSA)`, { path: file });
  }
}

async function keyId(publicKey: KeyObject): Promise<string> {
  const jwk = publicKey.export({ format: 'jwk' });
  return calculateJwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: String(jwk.x) });
}
