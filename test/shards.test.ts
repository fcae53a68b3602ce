import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';
import type { CellResult } from '../core/index.js';
import { runMatrix } from '../harness/index.js';
import { createReporters, readResultsFile } from '../reports/index.js';
import { sharedDatabaseSuite } from './helpers.js';

// `run --shard i/n` on a real PostgreSQL, then `rls-matrix merge` as a CI's last job runs it: the
// merged report must be the single run's, cell for cell, and verify; a bad merge exits 2.
const root = join(import.meta.dirname, '..');
const plantedBugs = join(root, 'test/projects/planted-bugs/rls-matrix.yaml');
const suite = sharedDatabaseSuite();

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'rls-matrix', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } });
  return { code, stdout, stderr };
}

async function runInto(outDir: string, shard?: { index: number; count: number }) {
  return runMatrix({ matrices: [plantedBugs], provider: suite.provider(), ...(shard ? { shard } : {}), reporters: [createReporters({ outDir, cwd: root })] });
}

/** What must be equal between the merged and the single run: each cell's verdict, outcome and status. */
const verdictOf = (r: CellResult) => ({ id: r.cell.id, expected: r.cell.expected, status: r.status, outcome: { ...r.outcome } });

it('a 4-shard run merged equals the single run cell for cell, and verifies', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-shards-'));
  const single = await runInto(join(dir, 'single'));
  const shards = [1, 2, 3, 4].map((index) => join(dir, `shard-${index}`));
  const parts = [];
  for (const [i, out] of shards.entries()) parts.push(await runInto(out, { index: i + 1, count: 4 }));

  // Every shard ran a part of the same 60 cells, balanced, and said so.
  expect(parts.map((p) => p.meta.shard?.totalCells)).toEqual([60, 60, 60, 60]);
  expect(parts.map((p) => p.summary.counts.total).reduce((a, b) => a + b)).toBe(60);
  expect(Math.max(...parts.map((p) => p.summary.counts.total)) - Math.min(...parts.map((p) => p.summary.counts.total))).toBeLessThanOrEqual(2);
  expect(new Set(parts.map((p) => p.meta.shard?.cellIdsHash)).size).toBe(1);

  const merged = join(dir, 'merged');
  const { code, stdout } = await cli(['merge', ...shards.reverse(), '--out', merged]);
  expect(stdout).toContain('FAIL 60 cells: 46 passed, 14 failed, 0 errors, 0 known gaps');
  expect(stdout).toContain('merged 4 shards');
  expect(code).toBe(1);

  const whole = await readResultsFile(join(dir, 'single/results.json'));
  const combined = await readResultsFile(join(merged, 'results.json'));
  expect(combined.results.map(verdictOf)).toEqual(whole.results.map(verdictOf));
  expect(combined.summary.counts).toEqual(single.summary.counts);
  expect(combined.meta.coverage).toEqual(whole.meta.coverage);
  expect(combined.meta.lint).toEqual(whole.meta.lint);
  expect(combined.meta.merged?.shards.map((s) => s.index)).toEqual([1, 2, 3, 4]);
  const manifest = JSON.parse(await readFile(join(merged, 'manifest.json'), 'utf8'));
  expect(manifest.counts).toEqual({ total: 60, pass: 46, fail: 14, error: 0, known: 0 });

  const verified = await cli(['verify', merged]);
  expect(verified.stdout).toContain('every artifact and source matches the manifest');
  expect(verified.code).toBe(0);

  // Bad merges: exit 2, the reason in one line, no stack trace.
  const missing = await cli(['merge', shards[0]!, shards[1]!, shards[3]!, '--out', join(dir, 'bad-1')]);
  expect(missing).toMatchObject({ code: 2, stdout: '' });
  expect(missing.stderr).toMatch(/^rls-matrix: shard 2\/4 missing: a merged report needs all 4 shards of the run \(given: 1, 3, 4\)\n$/);
  const twice = await cli(['merge', ...shards, shards[2]!, '--out', join(dir, 'bad-2')]);
  expect(twice.code).toBe(2);
  expect(twice.stderr).toContain('is given twice');
  const whole2 = await cli(['merge', join(dir, 'single'), '--out', join(dir, 'bad-3')]);
  expect(whole2.code).toBe(2);
  expect(whole2.stderr).toContain('is the report of a whole run, not of one shard: run each job with --shard i/n');
}, 240_000);

it('--shard must read i/n with 1 ≤ i ≤ n', async () => {
  const { code, stderr } = await cli(['run', plantedBugs, '--shard', '5/4', '--reporter', 'none']);
  expect(code).toBe(2);
  expect(stderr).toContain('--shard 5/4: expected i/n with 1 ≤ i ≤ n');
});
