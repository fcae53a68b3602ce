import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { type Cell, type PolicyInfo, type RunMeta, type ShardInfo, type ShardSpec, toolVersion } from '../core/index.js';
import { computeCoverage, type LoadedMatrix } from '../matrix/index.js';
import type { PreparedMatrix } from './prepare-matrix.js';
import { type CellCost, cellWeight, shardCells } from './shard.js';

/** What one pass over every cell found, before any runs. */
export interface CellCensus {
  /** The cells this run runs: with `--shard`, its shard's. */
  count: number;
  /** Every cell of the run, every shard together. */
  total: number;
  tables: string[];
  coverage: RunMeta['coverage'];
  /** With `--shard`: the ids of this shard's cells, and what its report says about it. */
  shard?: { ids: ReadonlySet<string>; info: ShardInfo };
}

/**
 * One pass over every cell before any runs: it counts them, measures coverage, and finds every
 * matrix problem expansion can find (unknown names, writes on views) while nothing has run yet.
 * With a shard, the pass also partitions the cells; tables and coverage stay the whole run's, so
 * every shard's report says the same about them.
 */
export function takeCensus(prepared: readonly PreparedMatrix[], shard?: ShardSpec): CellCensus {
  let total = 0;
  const tables = new Set<string>();
  const costs: CellCost[] = [];
  function* counted(cells: Iterable<Cell>): Generator<Cell, void, undefined> {
    for (const cell of cells) {
      total++;
      tables.add(cell.table);
      if (shard) costs.push({ id: cell.id, weight: cellWeight(cell) });
      yield cell;
    }
  }
  const coverage = computeCoverage(prepared.map((p) => ({ matrix: p.matrix, cells: counted(p.cells()), catalog: p.catalog })));
  const census = { count: total, total, tables: [...tables].sort(), coverage };
  if (!shard) return census;
  const part = shardCells(costs, shard);
  return { ...census, count: part.ids.size, shard: part };
}

/** The prepared matrices with only this shard's cells (all of them without a shard). */
export function shardOf(prepared: readonly PreparedMatrix[], census: CellCensus): readonly PreparedMatrix[] {
  const ids = census.shard?.ids;
  if (!ids) return prepared;
  return prepared.map((p) => ({
    ...p,
    *cells() {
      for (const cell of p.cells()) if (ids.has(cell.id)) yield cell;
    },
  }));
}

/** What the run's reporters are told before the first cell: provenance, personas, tables, coverage, lints. */
export interface MetaInput {
  matrices: readonly LoadedMatrix[];
  prepared: readonly PreparedMatrix[];
  census: CellCensus;
  provider: string;
  startedAt: Date;
  workers: number;
  executor: RunMeta['executor'];
}

export async function describeRun(input: MetaInput): Promise<RunMeta> {
  const { matrices, prepared, census } = input;
  const personas = new Map<string, string>();
  for (const m of matrices) for (const [name, spec] of Object.entries(m.personas)) personas.set(name, spec.role);
  const claims = new Map<string, Record<string, unknown>>();
  for (const p of prepared) for (const [name, identity] of p.identities) if (!claims.has(name)) claims.set(name, identity.claims);
  const commit = await gitCommit(matrices[0]?.file);
  return {
    ...(input.executor ? { executor: input.executor } : {}),
    tool: { name: 'rls-matrix', version: toolVersion() },
    matrixName: matrices.map((m) => m.name).join(', '),
    matrixFiles: matrices.map((m) => m.file),
    sources: [...new Set(matrices.flatMap((m) => m.sources))],
    provider: input.provider,
    postgresVersion: prepared[0]?.postgresVersion ?? '',
    schemaFingerprint: prepared.length === 1 ? prepared[0]!.fingerprint : prepared.map((p) => p.fingerprint).join(','),
    ...(commit ? { gitCommit: commit } : {}),
    ...runProvenance(process.env),
    startedAt: input.startedAt.toISOString(),
    personas: [...personas].map(([name, role]) => ({ name, role, ...(claims.has(name) ? { claims: claims.get(name)! } : {}) })),
    tables: census.tables,
    cellCount: census.count,
    ...(census.shard ? { shard: census.shard.info } : {}),
    coverage: census.coverage,
    workers: input.workers,
    policies: policiesOf(prepared, census.tables),
    ...withoutDefaults(matrices),
    // The lint findings, when the run linted.
    ...(prepared.every((p) => p.findings) ? { lint: prepared.flatMap((p) => p.findings ?? []) } : {}),
  };
}

/**
 * A matrix without `defaults` leaves every persona × table × operation it does not state untested,
 * and such a run passes however much it leaves out: said out loud, in every report.
 */
function withoutDefaults(matrices: readonly LoadedMatrix[]): { warnings?: string[] } {
  const missing = matrices.filter((m) => m.defaults === undefined);
  if (!missing.length) return {};
  return {
    warnings: missing.map(
      (m) => `${m.file} has no \`defaults\`: combinations it does not state are untested, not expected to deny (add \`defaults: deny\`, or run with --fail-on untested to fail on them)`,
    ),
  };
}

/** The policies on the tables the cells touch, each marked with its matrix when the run has several (their schemas may differ). */
function policiesOf(prepared: readonly PreparedMatrix[], tables: readonly string[]): PolicyInfo[] {
  return prepared.flatMap((p) => tables.flatMap((t) => (p.policies.policies.get(t) ?? []).map((policy) => (prepared.length > 1 ? { ...policy, matrix: p.matrix.file } : policy))));
}

/** Who ran the matrix and where: the CI's actor and run address, else the local user. */
function runProvenance(env: NodeJS.ProcessEnv): { actor?: string; ciRunUrl?: string } {
  const actor = env.GITHUB_ACTOR ?? env.GITLAB_USER_LOGIN ?? env.BUILDKITE_BUILD_CREATOR ?? env.CIRCLE_USERNAME ?? env.USER ?? env.USERNAME;
  const ciRunUrl =
    env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : (env.CI_JOB_URL ?? env.BUILDKITE_BUILD_URL ?? env.CIRCLE_BUILD_URL ?? env.BUILD_URL);
  return { ...(actor ? { actor } : {}), ...(ciRunUrl ? { ciRunUrl } : {}) };
}

async function gitCommit(file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', 'HEAD'], { cwd: dirname(file), timeout: 2000 });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}
