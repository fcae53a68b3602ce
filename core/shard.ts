import { createHash } from 'node:crypto';
import { HarnessError } from './errors.js';

/**
 * Shards: one run's cells split over several jobs (`--shard i/n`), each writing a complete report,
 * and `merge` putting the reports back together. What a shard is, and the one hash every shard and
 * the merge compute over the run's cell ids, so the merge can tell that nothing is missing.
 */

/** Shard `index` of `count` (1-based, as `--shard 2/4` reads). */
export interface ShardSpec {
  index: number;
  count: number;
}

/** What a shard's report says about it (RunMeta.shard): which part it is, and of what whole. */
export interface ShardInfo extends ShardSpec {
  /** Cells of the whole run, every shard together. */
  totalCells: number;
  /** {@link cellIdsHash} of every cell id of the whole run: the merge checks its union against it. */
  cellIdsHash: string;
}

/** A merged report's provenance (RunMeta.merged): the shard reports it was made from. */
export interface MergedFrom {
  shards: { index: number; count: number; cells: number; startedAt: string; finishedAt: string; actor?: string; ciRunUrl?: string; manifestSha256: string }[];
}

/**
 * `sha256:<hex>` over the cell ids sorted and joined by newlines: the same set of ids gives the same
 * hash whatever order they come in, on whatever machine.
 */
export function cellIdsHash(ids: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const id of [...ids].sort()) hash.update(id).update('\n');
  return `sha256:${hash.digest('hex')}`;
}

/** Reads `--shard i/n`: 1 ≤ i ≤ n. */
export function parseShard(text: string): ShardSpec {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index < 1 || count < 1 || index > count) {
    throw new HarnessError('ERR_USAGE', `--shard ${text}: expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/4 for the second of four jobs`);
  }
  return { index, count };
}
