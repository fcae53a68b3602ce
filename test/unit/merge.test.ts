import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import type { CellResult, RunMeta, RunSummary, ShardSpec } from '../../core/index.js';
import { shardCells, cellWeight } from '../../harness/shard.js';
import { mergeReports, verifyReport, writeReports } from '../../reports/index.js';
import { readResultsFile } from '../../reports/json.js';
import { makeLargeRun, makeSampleRun, type SampleRun } from '../fixtures/results-sample.js';

// Merging shard reports without a database: the shards of a synthetic run, written as `run --shard`
// writes them, merged, compared with the whole run, and every way a merge must refuse.
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
async function tmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-merge-'));
  dirs.push(dir);
  return dir;
}

/** Writes shard `spec` of `run` as a shard's report, with `change` applied to its meta. */
async function writeShard(run: SampleRun, spec: ShardSpec, root: string, change: (meta: RunMeta) => void = () => undefined): Promise<string> {
  const { ids, info } = shardCells(
    run.results.map((r) => ({ id: r.cell.id, weight: cellWeight(r.cell) })),
    spec,
  );
  const results = run.results.filter((r) => ids.has(r.cell.id));
  const meta: RunMeta = { ...run.meta, cellCount: results.length, shard: info };
  change(meta);
  const summary: RunSummary = { ...run.summary, counts: count(results) };
  const outDir = join(root, `shard-${spec.index}-of-${spec.count}`);
  await writeReports(meta, results, summary, { outDir, cwd: process.cwd() });
  return outDir;
}

function count(results: readonly CellResult[]) {
  const counts = { total: 0, pass: 0, fail: 0, error: 0, known: 0 };
  for (const r of results) {
    counts.total++;
    counts[r.status]++;
  }
  return counts;
}

const shape = (r: CellResult) => [r.cell.id, r.status, r.outcome.class, r.outcome.rows, JSON.stringify(r.cell.expected)];

describe('shardCells', () => {
  const cells = makeLargeRun(2000).results.map((r) => ({ id: r.cell.id, weight: cellWeight(r.cell) }));
  const parts = [1, 2, 3].map((index) => shardCells(cells, { index, count: 3 }));

  it('splits the cells into disjoint shards that together hold every cell once', () => {
    const all = parts.flatMap((p) => [...p.ids]);
    expect(all).toHaveLength(cells.length);
    expect(new Set(all).size).toBe(cells.length);
  });

  it('depends on the set of cells only, not on their order', () => {
    const reversed = shardCells([...cells].reverse(), { index: 2, count: 3 });
    expect([...reversed.ids].sort()).toEqual([...parts[1]!.ids].sort());
    expect(reversed.info.cellIdsHash).toBe(parts[1]!.info.cellIdsHash);
  });

  it('balances the expected cost: the shards differ by at most one cell of the heaviest kind', () => {
    const weight = new Map(cells.map((c) => [c.id, c.weight]));
    const loads = parts.map((p) => [...p.ids].reduce((sum, id) => sum + weight.get(id)!, 0));
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(Math.max(...cells.map((c) => c.weight)));
    expect(parts[0]!.info).toMatchObject({ index: 1, count: 3, totalCells: 2000 });
  });

  it('leaves a shard empty when there are fewer cells than shards', () => {
    expect(shardCells(cells.slice(0, 2), { index: 3, count: 3 }).ids.size).toBe(0);
  });
});

describe('mergeReports', () => {
  const run = makeSampleRun();

  it('merges every shard into the whole run cell for cell, with a manifest that verifies and names each shard', async () => {
    const root = await tmp();
    const shards = await Promise.all([1, 2, 3].map((index) => writeShard(run, { index, count: 3 }, root)));
    const out = join(root, 'merged');
    const merged = await mergeReports([shards[2]!, shards[0]!, shards[1]!], { outDir: out, cwd: process.cwd() });
    expect(merged.summary.counts).toEqual(count(run.results));
    expect(merged.summary.exitCode).toBe(1);
    expect(merged.shards.map((s) => s.index)).toEqual([1, 2, 3]);

    const file = await readResultsFile(join(out, 'results.json'));
    const whole = join(root, 'whole');
    await writeReports(run.meta, run.results, run.summary, { outDir: whole, cwd: process.cwd() });
    const single = await readResultsFile(join(whole, 'results.json'));
    expect(file.results.map(shape)).toEqual(single.results.map(shape));
    expect(file.meta.cellCount).toBe(run.results.length);
    expect(file.meta.shard).toBeUndefined();
    expect(file.meta.coverage).toEqual(run.meta.coverage);
    expect(file.meta.merged?.shards.map((s) => s.cells)).toEqual(merged.shards.map((s) => s.cells));
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    expect(file.meta.merged?.shards[0]?.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.counts).toEqual(count(run.results));
    expect((await verifyReport(out)).ok).toBe(true);
  });

  it('refuses shards of different runs, a shard twice, a shard missing, a report altered or of a whole run', async () => {
    const root = await tmp();
    const [one, two, three] = await Promise.all([1, 2, 3].map((index) => writeShard(run, { index, count: 3 }, root)));
    const out = join(root, 'merged');
    const refused = (dirs: string[]) => mergeReports(dirs, { outDir: out, cwd: process.cwd() });

    const other = await writeShard(run, { index: 3, count: 3 }, await tmp(), (meta) => void (meta.schemaFingerprint = 'sha256:other'));
    await expect(refused([one!, two!, other])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_MISMATCH', message: expect.stringContaining('their schema fingerprint differs') });
    const commit = await writeShard(run, { index: 3, count: 3 }, await tmp(), (meta) => void (meta.gitCommit = 'f'.repeat(40)));
    await expect(refused([one!, two!, commit])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_MISMATCH', message: expect.stringContaining('their git commit differs') });
    const quarter = await writeShard(run, { index: 3, count: 4 }, await tmp());
    await expect(refused([one!, two!, quarter])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_MISMATCH', message: expect.stringContaining('number of shards') });

    await expect(refused([one!, two!, two!, three!])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_DUPLICATE', message: expect.stringContaining('shard 2/3 is given twice') });
    await expect(refused([one!, three!])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_INCOMPLETE', message: expect.stringContaining('shard 2/3 missing: a merged report needs all 3 shards') });
    await expect(refused([one!, two!, three!].slice(0, 0))).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_INCOMPLETE' });
    await expect(mergeReports([one!, two!, three!], { outDir: one!, cwd: process.cwd() })).rejects.toMatchObject({
      code: 'ERR_REPORT_MERGE_INPUT',
      message: expect.stringContaining("is one of the shards' folders"),
    });

    const whole = join(root, 'whole');
    await writeReports(run.meta, run.results, run.summary, { outDir: whole, cwd: process.cwd() });
    await expect(refused([whole])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_INPUT', message: expect.stringContaining('the report of a whole run, not of one shard') });

    const results = join(three!, 'results.json');
    await writeFile(results, (await readFile(results, 'utf8')).replace('"pass"', '"fail"'));
    await expect(refused([one!, two!, three!])).rejects.toMatchObject({ code: 'ERR_REPORT_MERGE_INPUT', message: expect.stringContaining('does not verify (altered artifact: results.json)') });
  });

  it('signs the merged manifest with --sign-key, and with --key refuses shards that are not signed by it', async () => {
    const root = await tmp();
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    await writeFile(join(root, 'key.pem'), await exportPKCS8(privateKey));
    await writeFile(join(root, 'key.pub'), await exportSPKI(publicKey));
    const shards = await Promise.all([1, 2].map((index) => writeShard(run, { index, count: 2 }, root)));
    const out = join(root, 'merged');
    await mergeReports(shards, { outDir: out, cwd: process.cwd(), signKey: join(root, 'key.pem') });
    const verified = await verifyReport(out, { publicKey: join(root, 'key.pub') });
    expect(verified.signature.status).toBe('valid');
    expect(verified.ok).toBe(true);
    await expect(mergeReports(shards, { outDir: join(root, 'again'), cwd: process.cwd(), publicKey: join(root, 'key.pub') })).rejects.toMatchObject({
      code: 'ERR_REPORT_MERGE_INPUT',
      message: expect.stringContaining('does not verify (missing signature: manifest.sig)'),
    });
  });

  it('refuses shards without results.json, and cells the run does not name', async () => {
    const root = await tmp();
    const { ids, info } = shardCells(
      run.results.map((r) => ({ id: r.cell.id, weight: cellWeight(r.cell) })),
      { index: 1, count: 1 },
    );
    expect(ids.size).toBe(run.results.length);
    const junitOnly = join(root, 'junit-only');
    await writeReports({ ...run.meta, shard: info }, run.results, run.summary, { outDir: junitOnly, reporters: ['junit'], cwd: process.cwd() });
    await expect(mergeReports([junitOnly], { outDir: join(root, 'm1'), cwd: process.cwd() })).rejects.toMatchObject({
      code: 'ERR_REPORT_MERGE_INPUT',
      message: expect.stringContaining('no results.json'),
    });

    // A shard that claims to be the whole run but lacks a cell: the union is not the run's cells.
    const short = join(root, 'short');
    const fewer = run.results.slice(1);
    await writeReports({ ...run.meta, cellCount: fewer.length, shard: info }, fewer, { ...run.summary, counts: count(fewer) }, { outDir: short, cwd: process.cwd() });
    await expect(mergeReports([short], { outDir: join(root, 'm2'), cwd: process.cwd() })).rejects.toMatchObject({
      code: 'ERR_REPORT_MERGE_INCOMPLETE',
      message: expect.stringContaining(`the shards hold ${fewer.length} cells, which are not the ${run.results.length} cells of the run`),
    });
  });
});
