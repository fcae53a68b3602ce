import { LINT_IDS, type LintFinding, type LintId, type LintSeverity, SEVERITIES, type Waiver, type Queryable } from '../core/index.js';
import type { LoadedMatrix } from '../matrix/index.js';
import { readLintCatalog } from './catalog.js';
import { claimLints } from './claims.js';
import { accessLints } from './access.js';
import { functionLints } from './functions.js';
import { policyLints } from './policies.js';
import { rlsLints } from './rls.js';
import type { LintCatalog, LintRule } from './types.js';
import { viewLints } from './views.js';
import { applyWaivers } from './waivers.js';

/** Every lint, by id: one file per family. */
export const LINTS = { ...rlsLints, ...policyLints, ...claimLints, ...accessLints, ...functionLints, ...viewLints } satisfies Record<LintId, LintRule>;
// …and no lint that core/lint.ts does not list (a waiver could not name it).
const registeredOnlyKnownIds: [Exclude<keyof typeof LINTS, LintId>] extends [never] ? true : never = true;
void registeredOnlyKnownIds;

export interface LintOptions {
  /** Schemas to lint (a matrix's exposed schemas, see `lintSchemas`). */
  schemas: readonly string[];
  /** Roles the personas act as; anon and authenticated are always considered. */
  roles?: readonly string[];
  waivers?: readonly Waiver[];
  /** Set on every finding, to tell the databases of a multi-matrix run apart. */
  matrix?: string;
}

/**
 * Runs every lint over the live catalogue and marks waived findings. Sets `search_path` to
 * pg_catalog for its own queries (policy expressions then deparse schema-qualified) and restores it.
 *
 * @example
 * import pg from 'pg';
 * const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
 * await client.connect();
 * const findings = await runLints(client, { schemas: ['public'], roles: ['authenticated'] });
 * await client.end();
 */
export async function runLints(client: Queryable, options: LintOptions): Promise<LintFinding[]> {
  const { rows } = await client.query<{ path: string }>(`select pg_catalog.current_setting('search_path') as path`);
  await client.query(`select pg_catalog.set_config('search_path', 'pg_catalog', true)`);
  let catalog: LintCatalog;
  try {
    catalog = await readLintCatalog(client, options.schemas, ['anon', 'authenticated', ...(options.roles ?? [])]);
  } finally {
    await client.query(`select pg_catalog.set_config('search_path', $1, true)`, [rows[0]?.path ?? '']).catch(() => undefined);
  }
  const findings = lintCatalog(catalog).map((f) => (options.matrix ? { ...f, matrix: options.matrix } : f));
  return applyWaivers(findings, options.waivers ?? [], options.schemas);
}

/** Every lint over a catalogue snapshot (pure), most severe first, then by lint and object. */
export function lintCatalog(catalog: LintCatalog): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const id of LINT_IDS) {
    const rule: LintRule = LINTS[id];
    for (const hit of rule.check(catalog)) {
      findings.push({
        id,
        severity: hit.severity ?? rule.severity,
        object: hit.object,
        objectType: hit.objectType,
        ...(hit.policy !== undefined ? { policy: hit.policy } : {}),
        message: hit.message,
        why: rule.why,
        fix: hit.fix ?? rule.fix,
      });
    }
  }
  const rank = (s: LintSeverity) => SEVERITIES.indexOf(s);
  return findings.sort((a, b) => rank(a.severity) - rank(b.severity) || LINT_IDS.indexOf(a.id) - LINT_IDS.indexOf(b.id) || a.object.localeCompare(b.object));
}

/**
 * The schemas a matrix's lints cover: its exposed schemas, plus the schema of every table and
 * function it names explicitly (naming one says the API reaches it).
 */
export function lintSchemas(matrix: Pick<LoadedMatrix, 'schemas' | 'tables' | 'functions'>): string[] {
  const named = [...Object.keys(matrix.tables), ...Object.keys(matrix.functions)].filter((n) => n.includes('.')).map((n) => n.slice(0, n.indexOf('.')));
  return [...new Set([...matrix.schemas, ...named])];
}

/** The roles a matrix's personas act as. */
export function personaRoles(matrix: Pick<LoadedMatrix, 'personas'>): string[] {
  return [...new Set(Object.values(matrix.personas).map((p) => p.role))];
}
