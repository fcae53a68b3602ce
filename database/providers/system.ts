import { HarnessError } from '../../core/index.js';
import { startLocalCluster } from './local-cluster.js';
import { findPgBinaries } from './pg-bin.js';
import type { Provider, ProviderOptions, StartedDatabase } from './types.js';

/**
 * PostgreSQL from the machine's own server programs (`initdb`, `postgres` from PATH or
 * `--pg-bin`), so a run can use the major version production runs. Same lifecycle as `embedded`
 * (see `startLocalCluster`): a fresh cluster in `$TMPDIR/rls-matrix-*` on a free port, durability
 * off, messages in C, TCP on loopback only; as root the server runs as the `postgres` system user.
 * Stopped and removed by `stop()`; a cluster orphaned by a SIGKILL is reaped by the next run.
 *
 * @example
 * const database = await systemProvider.start({ pgBin: '/usr/lib/postgresql/15/bin' });
 */
export const systemProvider: Provider = {
  name: 'system',
  reportsLaunch: true,
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    const bins = await findPgBinaries(options.pgBin);
    return startLocalCluster(
      {
        provider: 'system',
        initdb: bins.initdb,
        postgres: bins.postgres,
        startError: (detail, _parent, cause) =>
          new HarnessError('ERR_PROVIDER_START', `PostgreSQL from ${bins.dir} did not start:\n  ${detail}\nCheck free disk space in the temporary directory, or use --provider embedded.`, { cause }),
      },
      options,
    );
  },
};
