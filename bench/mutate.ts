// `npx tsx bench/mutate.ts [workers]`: rls-matrix mutate on examples/lms, measured beside a full run
// of the same matrix and the raw floor of its cells, then again with --isolate-mutants, on one
// embedded server in one process, with the load average at start and end (the machine may be
// shared). Writes bench/results/mutate.json.
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { Provider } from '../database/providers/types.js';
import { runMatrix } from '../harness/index.js';
import { mutateMatrix } from '../mutate/index.js';
import { rawFloor } from './raw-floor.js';
import { lmsPlans } from './mutate-plans.js';

const workers = Number(process.argv[2] ?? 2);
const matrix = join(import.meta.dirname, '../examples/lms/rls-matrix.yaml');
const database = await embeddedProvider.start();
const provider: Provider = { name: 'embedded', start: async () => ({ connection: database.connection, stop: async () => undefined }) };
const load = () => loadavg().map((l) => Math.round(l * 10) / 10);
try {
  const loadAtStart = load();
  const runStarted = performance.now();
  const run = await runMatrix({ matrices: [matrix], provider, workers, lint: false });
  const fullRunMs = performance.now() - runStarted;
  const { plans, connection } = await lmsPlans(matrix, provider);
  const rawCellsPerSecond = await rawFloor(connection, plans, workers);
  const mutateStarted = performance.now();
  const { summary } = await mutateMatrix({ matrices: [matrix], provider, workers });
  const mutateMs = performance.now() - mutateStarted;
  const isolatedStarted = performance.now();
  const isolated = (await mutateMatrix({ matrices: [matrix], provider, workers, isolateMutants: true })).summary.mutation;
  const isolatedMs = performance.now() - isolatedStarted;
  const m = summary.mutation;
  const cellsRun = m.mutants.reduce((sum, r) => sum + r.cellsRun, 0);
  const result = {
    date: new Date().toISOString(),
    workers,
    loadAverage: { start: loadAtStart, end: load() },
    fullRun: { cells: run.summary.counts.total, wallMs: Math.round(fullRunMs), executionMs: Math.round(run.summary.timings.executionMs), cellsPerSecond: Math.round(run.summary.cellsPerSecond) },
    rawFloor: { cells: plans.length, connections: workers, cellsPerSecond: Math.round(rawCellsPerSecond), fullSetMs: Math.round((plans.length / rawCellsPerSecond) * 1000) },
    mutate: {
      mutants: m.counts.total,
      counts: m.counts,
      score: m.score,
      wallMs: Math.round(mutateMs),
      baselineMs: Math.round(m.timings.baselineMs),
      mutantsMs: Math.round(m.timings.mutantsMs),
      perMutantMs: Math.round(m.timings.perMutantMs),
      mutantsPerSecond: Math.round(m.timings.mutantsPerSecond * 100) / 100,
      cellsRun,
      cellsRunPerSecond: Math.round((cellsRun / m.timings.mutantsMs) * 1000),
    },
    // The same mutants, each in a database copied for it alone (--isolate-mutants): same verdicts, the copies' cost.
    isolated: {
      wallMs: Math.round(isolatedMs),
      mutantsMs: Math.round(isolated.timings.mutantsMs),
      mutantsPerSecond: Math.round(isolated.timings.mutantsPerSecond * 100) / 100,
      sameVerdicts: isolated.mutants.every((r, i) => r.id === m.mutants[i]?.id && r.status === m.mutants[i]?.status),
    },
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(import.meta.dirname, 'results/mutate.json'), `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await database.stop();
}
