import { cellIdsHash, type CellResult } from '../../core/index.js';
import { ReportError } from '../errors.js';
import type { ShardReport } from './read-shard.js';

/**
 * What makes shard reports parts of one run, and the checks that refuse anything else: the shards of
 * another matrix, schema, commit or version, a shard given twice, a shard missing, a cell twice or
 * not at all. Pure: over reports already read. Internal to `reports/`.
 */

/** What every shard of one run agrees on, each in words for the message that refuses a difference. */
const SAME_RUN: readonly { what: string; of: (r: ShardReport) => string; detail?: (a: ShardReport, b: ShardReport) => string }[] = [
  { what: 'number of shards', of: (r) => String(r.shard.count) },
  { what: 'matrix', of: (r) => JSON.stringify(r.manifest.matrix) },
  { what: 'schema fingerprint', of: (r) => r.manifest.schemaFingerprint },
  { what: 'git commit', of: (r) => r.manifest.gitCommit ?? 'none' },
  { what: 'rls-matrix version', of: (r) => r.manifest.tool.version },
  { what: 'PostgreSQL version', of: (r) => r.manifest.postgresVersion },
  { what: 'provider', of: (r) => r.manifest.provider },
  { what: 'executor', of: (r) => r.results.meta.executor ?? 'sql' },
  { what: '--fail-on', of: (r) => r.results.summary.lintFailOn ?? 'none' },
  { what: 'cells of the run', of: (r) => `${r.shard.totalCells} cells, ids ${r.shard.cellIdsHash}` },
  { what: 'source files (matrices, migrations, fixtures)', of: (r) => JSON.stringify(r.manifest.sources), detail: sourceDifference },
];

/** Refuses shards that are not, together, every shard of one run exactly once. */
export function checkShards(shards: readonly ShardReport[]): void {
  const [first, ...others] = shards;
  if (!first) throw new ReportError('ERR_REPORT_MERGE_INCOMPLETE', 'merge needs the report folders of every shard of a run');
  for (const other of others) {
    for (const { what, of, detail } of SAME_RUN) {
      if (of(other) === of(first)) continue;
      const how = detail ? detail(first, other) : `${short(of(first))} against ${short(of(other))}`;
      throw new ReportError(
        'ERR_REPORT_MERGE_MISMATCH',
        `${first.dir} and ${other.dir} are shards of different runs: their ${what} differ${what.endsWith('s)') ? '' : 's'} (${how}); merge only the shards of one run`,
        { path: other.dir },
      );
    }
  }
  const byIndex = new Map<number, ShardReport>();
  for (const shard of shards) {
    const twin = byIndex.get(shard.shard.index);
    if (twin) throw new ReportError('ERR_REPORT_MERGE_DUPLICATE', `shard ${shard.shard.index}/${shard.shard.count} is given twice (${twin.dir} and ${shard.dir})`, { path: shard.dir });
    byIndex.set(shard.shard.index, shard);
  }
  const count = first.shard.count;
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new ReportError(
      'ERR_REPORT_MERGE_INCOMPLETE',
      `shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${count}`).join(', ')} missing: a merged report needs all ${count} shards of the run (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(', ')})`,
    );
  }
}

/** Every shard's results, once each; refuses a cell two shards hold, and a set of cells other than the run's. */
export function mergedResults(shards: readonly ShardReport[]): CellResult[] {
  const owner = new Map<string, string>();
  const results: CellResult[] = [];
  for (const shard of shards) {
    for (const result of shard.results.results) {
      const other = owner.get(result.cell.id);
      if (other !== undefined) throw new ReportError('ERR_REPORT_MERGE_DUPLICATE', `cell ${result.cell.id} is in both ${other} and ${shard.dir}`, { path: shard.dir });
      owner.set(result.cell.id, shard.dir);
      results.push(result);
    }
  }
  const { totalCells, cellIdsHash: expected } = shards[0]!.shard;
  if (results.length !== totalCells || cellIdsHash(owner.keys()) !== expected) {
    throw new ReportError('ERR_REPORT_MERGE_INCOMPLETE', `the shards hold ${results.length} cells, which are not the ${totalCells} cells of the run their reports name`);
  }
  return results;
}

/** The first source two shards read differently: `migrations/001.sql: sha256 1a2b… against 3c4d…`. */
function sourceDifference(a: ShardReport, b: ShardReport): string {
  const hashes = new Map(b.manifest.sources.map((s) => [s.path, s.sha256]));
  const paths = new Set([...a.manifest.sources.map((s) => s.path), ...hashes.keys()]);
  const mine = new Map(a.manifest.sources.map((s) => [s.path, s.sha256]));
  for (const file of [...paths].sort()) {
    const x = mine.get(file);
    const y = hashes.get(file);
    if (x !== y) return `${file}: ${x === undefined ? 'not read' : `sha256 ${x?.slice(0, 12) ?? 'absent'}…`} against ${y === undefined ? 'not read' : `sha256 ${y?.slice(0, 12) ?? 'absent'}…`}`;
  }
  return 'in order';
}

function short(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
