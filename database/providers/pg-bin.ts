import { constants } from 'node:fs';
import { access, readdir, realpath } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';

/** The server programs the `system` provider runs. */
export interface PgBinaries {
  dir: string;
  initdb: string;
  postgres: string;
}

/** Where distributions install PostgreSQL's server programs outside PATH (one folder per major). */
const KNOWN_ROOTS: readonly [root: string, pattern: RegExp, bin: string][] = [
  ['/usr/lib/postgresql', /^\d+$/, 'bin'], // Debian, Ubuntu
  ['/usr', /^pgsql-\d+$/, 'bin'], // RHEL, Fedora (PGDG)
  ['/opt/homebrew/opt', /^postgresql@\d+$/, 'bin'], // Homebrew, Apple silicon
  ['/usr/local/opt', /^postgresql@\d+$/, 'bin'], // Homebrew, Intel
];

/**
 * Finds `initdb` and `postgres`: in `pgBin` when given, else the first `initdb` on PATH (followed
 * through symlinks, since initdb expects `postgres` next to its real file). Throws
 * ERR_BINARY_NOT_FOUND (exit 3) naming --pg-bin, the installations found elsewhere, and
 * --provider embedded.
 *
 * @example
 * const { initdb, postgres } = await findPgBinaries('/usr/lib/postgresql/15/bin');
 */
export async function findPgBinaries(pgBin?: string, path = process.env.PATH ?? ''): Promise<PgBinaries> {
  const candidates = pgBin ? [pgBin] : path.split(delimiter).filter(Boolean);
  for (const dir of candidates) {
    const initdb = await executable(join(dir, 'initdb'));
    if (!initdb) continue;
    const real = dirname(await realpath(initdb));
    const postgres = (await executable(join(real, 'postgres'))) ?? (await executable(join(dir, 'postgres')));
    if (postgres) return { dir: real, initdb, postgres };
    if (pgBin) throw notFound(`${pgBin} has initdb but no postgres next to it`, await elsewhere());
  }
  const where = pgBin ? `no initdb in ${pgBin} (from --pg-bin)` : 'no initdb on PATH';
  throw notFound(where, await elsewhere());
}

function notFound(what: string, found: string[]): HarnessError {
  const hint = found.length
    ? `PostgreSQL's server programs are in ${found.join(', ')}: pass --pg-bin ${found[found.length - 1]}`
    : `install PostgreSQL's server package (e.g. apt-get install postgresql-15) and pass --pg-bin DIR`;
  return new HarnessError('ERR_BINARY_NOT_FOUND', `--provider system: ${what}. ${hint}; or use --provider embedded, which needs no installed PostgreSQL`);
}

/** Server installations in the distributions' usual places, oldest major first. */
async function elsewhere(): Promise<string[]> {
  const found: { dir: string; major: number }[] = [];
  for (const [root, pattern, bin] of KNOWN_ROOTS) {
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const entry of entries.filter((e) => pattern.test(e))) {
      const dir = join(root, entry, bin);
      if (await executable(join(dir, 'initdb'))) found.push({ dir, major: Number(/\d+/.exec(entry)![0]) });
    }
  }
  return found.sort((a, b) => a.major - b.major).map((f) => f.dir);
}

async function executable(file: string): Promise<string | undefined> {
  try {
    await access(file, constants.X_OK);
    return file;
  } catch {
    return undefined;
  }
}
