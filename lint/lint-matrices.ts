import { loadMatrix } from '../matrix/index.js';
import type { LoadedMatrix, Waiver } from '../matrix/types.js';
import { diskFullError } from '../database/disk-full.js';
import { resolveProvider, type ProviderName } from '../database/providers/index.js';
import type { Provider, ProviderOptions, StartedDatabase } from '../database/providers/types.js';
import { assertSafeForTransaction } from '../database/url-guards.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { openWorkspace } from '../database/workspace.js';
import { lintSchemas, personaRoles, runLints } from './index.js';
import type { LintFinding } from './types.js';
import { unusedWaivers } from './waivers.js';

export interface LintMatricesOptions {
  /** Matrix files (see `findMatrixFiles` for directories). */
  matrices: readonly string[];
  /** @default 'embedded' */
  provider?: ProviderName | Provider;
  providerOptions?: ProviderOptions;
  /** As for `runMatrix`: on an existing database (`url`) it must be decided. @default true for started servers */
  applyMigrations?: boolean;
  /** Setup stages, for a console; never prints itself. */
  onStage?: (stage: string) => void;
  /** Called with the started database so a caller can stop it on a signal. */
  onStarted?: (database: StartedDatabase) => void;
}

export interface LintOutcome {
  /** Every finding, most severe first; waived ones included, marked. */
  findings: LintFinding[];
  /** `waivers:` entries that accept no finding (stale: the object was fixed, renamed or dropped). */
  unusedWaivers: Waiver[];
  matrixName: string;
  provider: string;
  postgresVersion: string;
}

/**
 * `rls-matrix lint`: starts the provider and, per matrix, installs the shim and applies the
 * migrations into a fresh database (or the one rolled-back transaction of `url`), then lints the
 * catalogue. Seeds nothing and runs no cell. Always stops the provider. Never prints.
 *
 * @example
 * const { findings } = await lintMatrices({ matrices: ['rls-matrix.yaml'] });
 * const failing = failingFindings(findings, 'error');
 */
export async function lintMatrices(options: LintMatricesOptions): Promise<LintOutcome> {
  const matrices: LoadedMatrix[] = [];
  for (const file of options.matrices) matrices.push(await loadMatrix(file));

  const provider = typeof options.provider === 'object' ? options.provider : await resolveProvider(options.provider ?? 'embedded');
  options.onStage?.(`starting PostgreSQL (${provider.name})`);
  const database = await provider.start(options.providerOptions);
  options.onStarted?.(database);
  try {
    if (database.isolation === 'transaction') for (const matrix of matrices) await assertSafeForTransaction(matrix, options.applyMigrations);
    const findings: LintFinding[] = [];
    const unused: Waiver[] = [];
    let postgresVersion = '';
    for (const [index, matrix] of matrices.entries()) {
      const workspace = await openWorkspace(database, `lint_${index + 1}`);
      const { client } = workspace;
      try {
        postgresVersion ||= (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version;
        if (matrix.database.supabase) {
          options.onStage?.('installing the Supabase shim');
          await workspace.keep(() => installSupabaseShim(client, matrix.database.grants));
        }
        if (options.applyMigrations !== false) {
          options.onStage?.(`applying ${matrix.database.migrations.length} migration file(s)`);
          await workspace.migrate(matrix.database.migrations);
        }
        options.onStage?.('linting the schema');
        const schemas = lintSchemas(matrix);
        const waivers = matrix.waivers ?? [];
        const found = await workspace.discard(() =>
          runLints(client, { schemas, roles: personaRoles(matrix), waivers, ...(matrices.length > 1 ? { matrix: matrix.file } : {}) }),
        );
        findings.push(...found);
        unused.push(...unusedWaivers(found, waivers, schemas));
      } finally {
        await workspace.close();
      }
    }
    return { findings, unusedWaivers: unused, matrixName: matrices.map((m) => m.name).join(', '), provider: provider.name, postgresVersion };
  } catch (error) {
    throw diskFullError(error, database) ?? error;
  } finally {
    await database.stop();
  }
}
