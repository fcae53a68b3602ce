import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { diffConsoleText, diffMarkdown, diffReports, painter, writeReports } from '../reports/index.js';
import { makeLargeRun } from '../test/fixtures/results-sample.js';

/**
 * `rls-matrix diff` on large reports: two runs of N cells where every 100th cell went from filtered
 * to allowed. Times opening both reports (verifying each against its manifest, reading results.json)
 * with the comparison, then the console and Markdown renderings. `npx tsx bench/diff.ts [N…]`.
 */
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-diff-'));
try {
  for (const cells of sizes.length ? sizes : [10_000, 100_000]) {
    const before = makeLargeRun(cells);
    const after = makeLargeRun(cells);
    after.results = after.results.map((r, i) => (i % 100 === 0 && r.outcome.class === 'filtered' ? { ...r, outcome: { ...r.outcome, class: 'allowed', rows: r.outcome.targetRows } } : r));
    const [a, b] = [join(dir, `before-${cells}`), join(dir, `after-${cells}`)];
    await writeReports(before.meta, before.results, before.summary, { outDir: a, reporters: ['json'] });
    await writeReports(after.meta, after.results, after.summary, { outDir: b, reporters: ['json'] });
    const start = performance.now();
    const diff = await diffReports(a, b);
    const compared = performance.now();
    const text = diffConsoleText(diff, { failOn: ['widened'], paint: painter(false) });
    const md = diffMarkdown(diff, { failOn: ['widened'] });
    const rendered = performance.now();
    const rss = process.memoryUsage().rss / 2 ** 20;
    console.log(
      `${cells} cells: open, verify and compare ${(compared - start).toFixed(0)} ms, render ${(rendered - compared).toFixed(0)} ms (${text.length + md.length} characters); ${diff.counts.widened} widened; RSS ${rss.toFixed(0)} MiB`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
