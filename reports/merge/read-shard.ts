import path from 'node:path';
import type { ShardInfo } from '../../core/index.js';
import { ReportError } from '../errors.js';
import { hashBytes, readRegularFile } from '../hash.js';
import { readResultsFile, RESULTS_FILE, type ResultsFile } from '../json.js';
import { type Manifest, MANIFEST_FILE } from '../manifest.js';
import { verifyReport } from '../verify.js';

/** One shard's report, verified and read: what `mergeReports` combines. Internal to `reports/`. */
export interface ShardReport {
  dir: string;
  manifest: Manifest;
  /** sha256 of the shard's manifest.json bytes: the merged report names each input by it. */
  manifestSha256: string;
  results: ResultsFile;
  shard: ShardInfo;
}

/**
 * Verifies a shard's report folder (every artifact against its manifest, the signature with
 * `publicKey` when given) and reads its results. Its sources may have changed since: the merge
 * keeps the hashes the shard recorded, not what is on disk now.
 *
 * @throws {ReportError} `ERR_REPORT_MANIFEST` (no manifest), `ERR_REPORT_MERGE_INPUT` (does not verify,
 *   no results.json, not a shard's report), `ERR_REPORT_RESULTS_FORMAT`, `ERR_REPORT_KEY`.
 */
export async function readShardReport(dir: string, options: { publicKey?: string; cwd: string }): Promise<ShardReport> {
  const verified = await verifyReport(dir, options);
  const refuse = (why: string) => new ReportError('ERR_REPORT_MERGE_INPUT', `cannot merge ${dir}: ${why}`, { path: dir });
  if (!verified.reportIntact) {
    const problems = verified.problems.filter((p) => !p.kind.endsWith(' source'));
    throw refuse(`the report does not verify (${problems.map((p) => `${p.kind}: ${p.path}`).join('; ')}); check it with rls-matrix verify ${dir}`);
  }
  const { manifest } = verified;
  if (!manifest.artifacts.some((a) => a.path === RESULTS_FILE)) {
    throw refuse(`it has no ${RESULTS_FILE}, which merge reads each shard's cells from: run the shards with the json reporter (it is in the default --reporter list)`);
  }
  const results = await readResultsFile(path.join(dir, RESULTS_FILE));
  const shard = results.meta.shard;
  if (!shard) throw refuse('it is the report of a whole run, not of one shard: run each job with --shard i/n, then merge their reports');
  if (results.results.length !== manifest.counts.total || results.results.length !== results.meta.cellCount) {
    throw refuse(`its ${RESULTS_FILE} holds ${results.results.length} cells where its manifest counts ${manifest.counts.total} and its run ${results.meta.cellCount}`);
  }
  const manifestSha256 = hashBytes(await readRegularFile(path.join(dir, MANIFEST_FILE)));
  return { dir, manifest, manifestSha256, results, shard };
}
