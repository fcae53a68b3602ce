import { type CellResult, failingFindings, type LintFinding, type RerunCounts, type RunCounts, type RunMeta, type RunSummary, type RunTimings } from '../../core/index.js';
import { emptyCounts, tally } from '../artifact.js';
import type { ShardReport } from './read-shard.js';

/**
 * The merged run's meta and summary, from its shards' (which `checkShards` found to be parts of one
 * run). Counts are recounted from the cells; timings are the slowest shard's, as the shards of a CI
 * matrix run side by side. Internal to `reports/`.
 */

/** The whole run's meta: the first shard's, for every cell, with when it began and which shard reports it was made from. */
export function mergedMeta(shards: readonly ShardReport[]): RunMeta {
  const { shard: _shard, ...first } = shards[0]!.results.meta;
  return {
    ...first,
    startedAt: earliest(shards.map((s) => s.results.meta.startedAt)),
    cellCount: shards[0]!.shard.totalCells,
    ...(first.lint ? { lint: unionOfFindings(shards.map((s) => s.results.meta.lint ?? [])) } : {}),
    merged: {
      shards: shards.map(({ results: { meta, summary }, shard, manifestSha256 }) => ({
        index: shard.index,
        count: shard.count,
        cells: meta.cellCount,
        startedAt: meta.startedAt,
        finishedAt: summary.finishedAt,
        ...(meta.actor ? { actor: meta.actor } : {}),
        ...(meta.ciRunUrl ? { ciRunUrl: meta.ciRunUrl } : {}),
        manifestSha256,
      })),
    },
  };
}

/** The whole run's summary: counts from the cells, the slowest shard's timings, exit code as `run` decides it. */
export function mergedSummary(shards: readonly ShardReport[], meta: RunMeta, results: readonly CellResult[]): RunSummary {
  const counts: RunCounts = emptyCounts();
  for (const result of results) tally(counts, result.status);
  const summaries = shards.map((s) => s.results.summary);
  const timings = slowest(summaries.map((s) => s.timings));
  const failOn = summaries[0]!.lintFailOn;
  const lintFailures = failOn ? failingFindings(meta.lint ?? [], failOn).length : 0;
  const fidelity = summaries.filter((s) => s.fidelityMismatches !== undefined);
  return {
    counts,
    timings,
    finishedAt: latest(summaries.map((s) => s.finishedAt)),
    cellsPerSecond: timings.executionMs > 0 ? (counts.total / timings.executionMs) * 1000 : 0,
    exitCode: counts.fail + counts.error > 0 || lintFailures > 0 ? 1 : 0,
    ...(failOn ? { lintFailures, lintFailOn: failOn } : {}),
    reruns: addReruns(summaries.map((s) => s.reruns)),
    ...(fidelity.length ? { fidelityMismatches: fidelity.reduce((n, s) => n + s.fidelityMismatches!, 0) } : {}),
  };
}

/** Each timing at its largest over the shards (they run side by side: the run takes as long as its slowest). */
function slowest(all: readonly RunTimings[]): RunTimings {
  const max = (key: keyof RunTimings) => Math.max(0, ...all.map((t) => t[key] ?? 0));
  const alongside = all.some((t) => t.planAlongsideMs !== undefined);
  return {
    providerMs: max('providerMs'),
    shimMs: max('shimMs'),
    migrationsMs: max('migrationsMs'),
    fixturesMs: max('fixturesMs'),
    planMs: max('planMs'),
    ...(alongside ? { planAlongsideMs: max('planAlongsideMs') } : {}),
    executionMs: max('executionMs'),
    totalMs: max('totalMs'),
  };
}

function addReruns(all: readonly (RerunCounts | undefined)[]): RerunCounts {
  const sum: RerunCounts = { count: 0, bySqlstate: {} };
  for (const r of all) {
    if (!r) continue;
    sum.count += r.count;
    for (const [sqlstate, n] of Object.entries(r.bySqlstate)) sum.bySqlstate[sqlstate] = (sum.bySqlstate[sqlstate] ?? 0) + n;
  }
  return sum;
}

/** Every shard lints the same schema: their findings, each once, in the first shard's order. */
function unionOfFindings(lists: readonly (readonly LintFinding[])[]): LintFinding[] {
  const seen = new Set<string>();
  const union: LintFinding[] = [];
  for (const finding of lists.flat()) {
    const key = JSON.stringify(finding);
    if (seen.has(key)) continue;
    seen.add(key);
    union.push(finding);
  }
  return union;
}

function earliest(times: readonly string[]): string {
  return [...times].sort()[0]!;
}

function latest(times: readonly string[]): string {
  return [...times].sort().at(-1)!;
}
