import path from 'node:path';
import type { RunMeta, RunSummary } from '../../core/index.js';
import { ReportError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { checkShards, mergedResults } from './check.js';
import { mergedMeta, mergedSummary } from './combine.js';
import { readShardReport, type ShardReport } from './read-shard.js';

/** Options of {@link mergeReports}: where the merged report goes and how it is written, as for a run. */
export interface MergeOptions {
  /** The merged report's folder (claimed and replaced as a whole, as `run` does; never one of the shards'). */
  outDir: string;
  /** Ed25519 public key (PEM or JWK) every shard's manifest must be signed with. Without it, signatures are not checked. */
  publicKey?: string;
  /** Base of source paths. @default process.cwd() */
  cwd?: string;
}

/** What {@link mergeReports} did: the whole run's meta and summary, the files written, and the shards it read. */
export interface MergeOutcome {
  meta: RunMeta;
  summary: RunSummary;
  files: readonly string[];
  manifest: Manifest;
  shards: readonly { dir: string; index: number; count: number; cells: number }[];
}

/** How the merged report is written: `writeReports`, given by reports/index.ts (which owns the formats). */
type WriteMerged = (
  meta: RunMeta,
  results: ShardReport['results']['results'],
  summary: RunSummary,
  manifest: { sources: Manifest['sources'] },
) => Promise<{ files: readonly string[]; manifest: Manifest }>;

/**
 * Combines the reports of every shard of one run (`run --shard i/n`) into the report of the whole
 * run. Each input is verified first (its artifacts against its manifest; its signature with
 * `publicKey`); inputs of different runs, a shard given twice or missing, a cell in two shards or in
 * none are refused. Every format is then written again from the merged cells, as one run writes it,
 * with a new manifest (signed with `signKey` when given) that keeps the sources' hashes the shards
 * recorded and names each shard's manifest in `meta.merged`.
 *
 * @throws {ReportError} `ERR_REPORT_MERGE_INPUT`, `ERR_REPORT_MERGE_MISMATCH`, `ERR_REPORT_MERGE_DUPLICATE`,
 *   `ERR_REPORT_MERGE_INCOMPLETE`, and those of `verifyReport` and `writeReports`.
 */
export async function mergeShardReports(dirs: readonly string[], options: MergeOptions, write: WriteMerged): Promise<MergeOutcome> {
  const cwd = options.cwd ?? process.cwd();
  const out = path.resolve(cwd, options.outDir);
  const into = dirs.find((dir) => path.resolve(cwd, dir) === out);
  if (into !== undefined) throw new ReportError('ERR_REPORT_MERGE_INPUT', `--out ${options.outDir} is one of the shards' folders: write the merged report to a folder of its own`, { path: into });
  const shards: ShardReport[] = [];
  for (const dir of dirs) shards.push(await readShardReport(dir, { cwd, ...(options.publicKey ? { publicKey: options.publicKey } : {}) }));
  checkShards(shards);
  shards.sort((a, b) => a.shard.index - b.shard.index);
  const results = mergedResults(shards);
  const meta = mergedMeta(shards);
  const summary = mergedSummary(shards, meta, results);
  const written = await write(meta, results, summary, { sources: shards[0]!.manifest.sources });
  return {
    meta,
    summary,
    ...written,
    shards: shards.map((s) => ({ dir: s.dir, index: s.shard.index, count: s.shard.count, cells: s.results.results.length })),
  };
}
