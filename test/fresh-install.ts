import { execFile } from 'node:child_process';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * A new project that installs rls-matrix as a user would: this package packed with `npm pack`, then
 * `npm ci` of the tarball and the project's other dev dependencies from npm's cache, without the
 * network. The project's lockfile is composed from this repository's own (same versions, addresses
 * and checksums), so the packages are exactly those `npm ci` just put in the cache here and in CI;
 * only if one is missing from the cache does the install go to the registry (and says so).
 *
 * Run by test/fresh-project.test.ts; by hand, `npx tsx test/fresh-install.ts DIR` installs into a
 * project already written in DIR (after `npm run build`).
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A package entry of a lockfile (lockfileVersion 3), as npm writes it. */
interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

interface Lockfile {
  name?: string;
  version?: string;
  lockfileVersion: number;
  requires?: boolean;
  packages: Record<string, LockEntry>;
}

/** What `npm pack --json` says of the tarball it wrote. */
export interface PackedPackage {
  file: string;
  name: string;
  version: string;
  integrity: string;
  /** Bytes of the tarball, and of the files it unpacks to. */
  size: number;
  unpackedSize: number;
}

/** Packs this repository as published (its `files`, the built dist/: run `npm run build` first) into `dir`. */
export async function packPackage(dir: string): Promise<PackedPackage> {
  // --ignore-scripts: `prepare` would build again; the tests run on the build npm test made.
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, env: npmEnv() });
  const [packed] = JSON.parse(stdout) as { filename: string; name: string; version: string; integrity: string; size: number; unpackedSize: number }[];
  if (!packed) throw new Error(`npm pack wrote nothing: ${stdout}`);
  return { file: join(dir, packed.filename), name: packed.name, version: packed.version, integrity: packed.integrity, size: packed.size, unpackedSize: packed.unpackedSize };
}

/** What {@link installPackage} did: how long `npm ci` took and whether it needed the network. */
export interface Installed {
  ms: number;
  offline: boolean;
  packages: number;
}

/**
 * Installs into `dir` (which holds the project's files, and `package.json` with at least `name` and
 * `type`) the packed tarball (copied there) and `devDependencies` at the versions this repository
 * locks, with `npm ci --offline`; adds them to its package.json as `npm install -D` would.
 */
export async function installPackage(dir: string, packed: PackedPackage, devDependencies: readonly string[]): Promise<Installed> {
  const source = JSON.parse(await readFile(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  const ours = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    peerDependencies?: Record<string, string>;
    peerDependenciesMeta?: LockEntry['peerDependenciesMeta'];
    bin?: unknown;
    engines?: unknown;
    license?: string;
  };
  const tarball = packed.file.slice(packed.file.lastIndexOf('/') + 1);
  if (packed.file !== join(dir, tarball)) await copyFile(packed.file, join(dir, tarball));
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown> & { name: string };
  const wanted: Record<string, string> = { [packed.name]: `file:${tarball}` };
  for (const name of devDependencies) {
    const version = source.packages[`node_modules/${name}`]?.version;
    if (!version) throw new Error(`${name} is not in this repository's package-lock.json: only packages it locks install offline`);
    wanted[name] = version;
  }
  manifest.devDependencies = wanted;
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const local: LockEntry = {
    version: packed.version,
    resolved: `file:${tarball}`,
    integrity: packed.integrity,
    dependencies: ours.dependencies,
    ...(ours.peerDependencies ? { peerDependencies: ours.peerDependencies } : {}),
    ...(ours.peerDependenciesMeta ? { peerDependenciesMeta: ours.peerDependenciesMeta } : {}),
    ...(ours.bin ? { bin: ours.bin } : {}),
    ...(ours.engines ? { engines: ours.engines } : {}),
    ...(ours.license ? { license: ours.license } : {}),
  };
  const lock = composeLockfile(source, { name: manifest.name, devDependencies: wanted }, { [`node_modules/${packed.name}`]: local });
  await writeFile(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const started = performance.now();
  const npmCi = (mode: string) => run('npm', ['ci', mode, '--no-audit', '--no-fund'], { cwd: dir, env: npmEnv(), maxBuffer: 16 << 20 });
  let offline = true;
  try {
    await npmCi('--offline');
  } catch (error) {
    // A cache without one of the packages (a machine that never ran `npm ci` here): fetch it, and say so.
    offline = false;
    process.stderr.write(`fresh-install: npm ci --offline failed, retrying with the registry: ${String((error as { stderr?: string }).stderr ?? error).slice(0, 400)}\n`);
    await npmCi('--prefer-offline');
  }
  return { ms: performance.now() - started, offline, packages: Object.keys(lock.packages).length - 1 };
}

/**
 * The lockfile of a project whose dev dependencies are `root.devDependencies`: the entries of
 * `source` they need (dependencies, optional dependencies and required peers, resolved from where each
 * package sits as Node resolves them), plus `extra` entries (the packed tarball), all marked dev.
 */
function composeLockfile(source: Lockfile, root: { name: string; devDependencies: Record<string, string> }, extra: Record<string, LockEntry>): Lockfile {
  const entries: Record<string, LockEntry> = { ...source.packages, ...extra };
  const required = new Set<string>();
  const optional = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    let base = from;
    for (;;) {
      const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
      if (entries[candidate] && candidate !== '') return candidate;
      if (!base) return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent < 0 ? '' : base.slice(0, parent);
    }
  };
  const visit = (from: string, name: string, isOptional: boolean) => {
    const path = resolve(from, name);
    if (!path) {
      if (isOptional) return;
      throw new Error(`${from || 'the project'} needs ${name}, which this repository's package-lock.json does not hold`);
    }
    if (required.has(path) || (isOptional && optional.has(path))) return;
    (isOptional ? optional : required).add(path);
    const entry = entries[path]!;
    for (const dependency of Object.keys(entry.dependencies ?? {})) visit(path, dependency, isOptional);
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) visit(path, dependency, true);
    for (const peer of Object.keys(entry.peerDependencies ?? {})) if (!entry.peerDependenciesMeta?.[peer]?.optional) visit(path, peer, isOptional);
  };
  for (const name of Object.keys(root.devDependencies)) visit('', name, false);
  const packages: Record<string, LockEntry> = { '': { name: root.name, devDependencies: root.devDependencies } };
  for (const path of [...required, ...[...optional].filter((p) => !required.has(p))].sort()) {
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...entry } = entries[path]!;
    packages[path] = { ...entry, dev: true, ...(required.has(path) ? {} : { optional: true }) };
  }
  return { name: root.name, lockfileVersion: 3, requires: true, packages };
}

/** This process's environment without what `npm test` exported for its own run (prefix, lifecycle): a nested npm acts as in a new shell. */
export function npmEnv(): NodeJS.ProcessEnv {
  const kept = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => kept.has(key) || !/^(npm_|INIT_CWD$)/i.test(key)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: npx tsx test/fresh-install.ts DIR   (DIR holds package.json; run `npm run build` first)\n');
    process.exit(2);
  }
  const packed = await packPackage(dir);
  const installed = await installPackage(dir, packed, ['vitest', 'typescript', '@types/node']);
  process.stdout.write(
    `${packed.name}@${packed.version} and ${installed.packages} packages installed in ${(installed.ms / 1000).toFixed(1)} s${installed.offline ? ' from the npm cache' : ' (with the registry)'}\n`,
  );
}
