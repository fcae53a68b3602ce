import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cellCount, generateProject } from '../bench/generate.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix } from '../harness/run.js';
import { startSharedDatabase } from './helpers.js';

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
afterAll(async () => database?.stop());

it('one connection runs thousands of writing cells without exhausting the lock table (53200)', async () => {
  // Every rolled-back subtransaction keeps its xid lock until the transaction ends: ~5,000 writing
  // cells in one transaction overflow the default lock table.
  const shape = { tables: 40, personas: 35 };
  const matrix = await generateProject(await mkdtemp(join(tmpdir(), 'rls-matrix-scale-')), shape);
  const { summary } = await runMatrix({ matrices: [matrix], provider, workers: 1 });
  expect(summary.counts).toEqual({ total: cellCount(shape), pass: cellCount(shape), fail: 0, error: 0, known: 0 });
}, 180_000);
