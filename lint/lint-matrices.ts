import type { LintFinding, LintOutcome, Waiver } from '../core/index.js';
import { prepareWorkspace, type StartOptions, startProvider, usingDatabase } from '../database/index.js';
import { lintSchemas, personaRoles, runLints } from './registry.js';
import { unusedWaivers } from './waivers.js';

/** Options of {@link lintMatrices}: where the database comes from, and the matrices whose schemas to lint. */
export type LintMatricesOptions = StartOptions;

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
  const { provider, database, matrices } = await startProvider(options);
  return usingDatabase(database, async () => {
    const findings: LintFinding[] = [];
    const unused: Waiver[] = [];
    let postgresVersion = '';
    for (const [index, matrix] of matrices.entries()) {
      const prepared = await prepareWorkspace(database, matrix, `lint_${index + 1}`, options);
      const { workspace } = prepared;
      postgresVersion ||= prepared.postgresVersion;
      try {
        options.onStage?.('linting the schema');
        const schemas = lintSchemas(matrix);
        const waivers = matrix.waivers ?? [];
        const found = await workspace.discard(() => runLints(workspace.client, { schemas, roles: personaRoles(matrix), waivers, ...(matrices.length > 1 ? { matrix: matrix.file } : {}) }));
        findings.push(...found);
        unused.push(...unusedWaivers(found, waivers, schemas));
      } finally {
        await workspace.close();
      }
    }
    return { findings, unusedWaivers: unused, matrixName: matrices.map((m) => m.name).join(', '), provider: provider.name, postgresVersion };
  });
}
