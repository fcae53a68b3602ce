import { type Cell, type LintFinding, RUN_DEFAULTS, type SchemaCatalog } from '../core/index.js';
import { prepareWorkspace, schemaFingerprint, type StartedRun, type Workspace } from '../database/index.js';
import { readCatalog, seed } from '../fixtures/index.js';
import { lintSchemas, personaRoles, runLints } from '../lint/index.js';
import { iterateCells, type LoadedMatrix } from '../matrix/index.js';
import type { ApiExecutor } from './executor/postgrest/index.js';
import { type PolicyCatalog, readPolicyCatalog } from './explain/policies.js';
import { mintIdentities, personaClaims, type PersonaIdentity } from './jwt.js';
import type { RunOptions } from './options.js';
import { checkPersonaRoles, checkSchemas } from './preflight.js';
import { checkRlsFreeReads } from './row-access.js';
import type { RunClock } from './timings.js';

/** One matrix, ready to run: its workspace seeded, personas' tokens minted, the catalogue read, the API path open. */
export interface PreparedMatrix {
  /** The matrix as bound to this database: persona users carry their rows' ids and emails. */
  matrix: LoadedMatrix;
  workspace: Workspace;
  /** The matrix's cells that run (filtered, ids prefixed with the matrix's number when there are several), expanded afresh on each call. */
  cells: () => Iterable<Cell>;
  /** Before each cell id of this matrix: `2:` when the run has several matrices, else ''. */
  prefix: string;
  identities: Map<string, PersonaIdentity>;
  fingerprint: string;
  catalog: SchemaCatalog;
  findings?: LintFinding[];
  /** The API path of this matrix (--executor postgrest, --cross-check). */
  api?: ApiExecutor;
  postgresVersion: string;
  /** Policies, table owners and persona roles, for explaining cells. */
  policies: PolicyCatalog;
}

/** What every matrix of a run shares while it is prepared. */
export interface PrepareContext {
  run: StartedRun;
  options: RunOptions;
  clock: RunClock;
  jwtSecret: string;
  /** The PostgREST executor's module, loaded only when the run asks for the API (a plain run never loads supabase-js). */
  apiModule: typeof import('./executor/postgrest/index.js') | undefined;
}

/**
 * Prepares the `index`-th matrix of a run: a workspace with the shim and migrations, then fixtures
 * and persona users, the personas' tokens, the checks that need the database (persona roles, exposed
 * schemas), the schema fingerprint, the API path and the lints. Closes the workspace when a step fails.
 */
export async function prepareMatrix(loaded: LoadedMatrix, index: number, context: PrepareContext): Promise<PreparedMatrix> {
  const { run, options, clock } = context;
  const { workspace, postgresVersion } = await prepareWorkspace(run.database, loaded, String(index + 1), {
    ...options,
    onTimed: (step, ms) => clock.add(step === 'shim' ? 'shimMs' : 'migrationsMs', ms),
    opened: index === 0 ? run.takeFirstWorkspace() : undefined,
  });
  try {
    await checkRlsFreeReads(workspace.client, loaded);
    options.onStage?.('seeding fixtures');
    const { matrix, identities } = await clock.time('fixturesMs', async () => {
      const onRows = (written: number, total: number) => options.onStage?.(`seeding fixtures: ${formatRows(written)} of ${formatRows(total)} rows`);
      const seeded = await workspace.keep(() => seed(workspace.client, loaded, personaClaims, { onRows }));
      const matrix = { ...loaded, personas: seeded.personas };
      return { matrix, identities: await mintIdentities(matrix, context.jwtSecret, options.api?.anonKey) };
    });
    options.onStage?.('planning cells');
    const planned = await clock.time('planMs', () => checkAndOpen(workspace, matrix, identities, index, context));
    return { matrix, workspace, identities, postgresVersion, ...planned };
  } catch (error) {
    await workspace.close();
    throw error;
  }
}

/** Reads the catalogue, checks what needs the database, fingerprints the schema, opens the API path and lints. */
async function checkAndOpen(workspace: Workspace, matrix: LoadedMatrix, identities: Map<string, PersonaIdentity>, index: number, context: PrepareContext) {
  const { client } = workspace;
  const { options } = context;
  const several = options.matrices.length > 1;
  const catalog = await readCatalog(client);
  const prefix = several ? `${index + 1}:` : '';
  await checkPersonaRoles(client, identities.values(), (persona) => matrix.locate(['personas', persona]));
  await checkSchemas(client, matrix);
  const fingerprint = await schemaFingerprint(client, matrix.schemas);
  const policies = await workspace.discard(() => readPolicyCatalog(client, [...catalog.tables.keys()], [...new Set([...identities.values()].map((i) => i.role))]));
  const api = await context.apiModule?.openApiExecutor({
    workspace,
    matrix,
    catalog,
    identities,
    jwtSecret: context.jwtSecret,
    pool: Math.min(options.workers ?? RUN_DEFAULTS.workers, 16) * 2,
    cellTimeoutMs: options.cellTimeoutMs ?? RUN_DEFAULTS.cellTimeoutMs,
    onServer: context.run.addSidecar,
    ...(options.api ? { apiUrl: options.api.url } : {}),
  });
  const lintOptions = { schemas: lintSchemas(matrix), roles: personaRoles(matrix), waivers: matrix.waivers ?? [], ...(several ? { matrix: matrix.file } : {}) };
  const findings = options.lint === false ? undefined : await workspace.discard(() => runLints(client, lintOptions));
  return { catalog, prefix, fingerprint, policies, cells: () => runningCells(iterateCells(matrix, catalog), options.filter, prefix), ...(findings ? { findings } : {}), ...(api ? { api } : {}) };
}

/** The cells of a run: those the filter keeps, with the matrix's number before their id when the run has several matrices. */
function* runningCells(cells: Iterable<Cell>, filter: readonly string[] | undefined, prefix: string): Generator<Cell, void, undefined> {
  for (const cell of cells) {
    if (filter?.length && !filter.some((f) => cell.id.includes(f))) continue;
    yield prefix ? { ...cell, id: `${prefix}${cell.id}` } : cell;
  }
}

/** `12,000`: thousands apart, as the console counts cells. */
function formatRows(n: number): string {
  return n.toLocaleString('en-US');
}
