import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matrixJsonSchema } from '../matrix/json-schema.js';
import { loadMatrix } from '../matrix/load.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
afterAll(async () => database?.stop());

it('a TypeScript matrix (defineMatrix) loads and runs like a YAML one', async () => {
  const { results, summary } = await runAndCollect(join(import.meta.dirname, 'projects/ts-matrix/rls-matrix.ts'), { provider });
  expect(summary.counts).toMatchObject({ total: 18, pass: 18 });
  expect(results.get('public.todos/alice/select/own')?.outcome).toMatchObject({ class: 'allowed', rows: 1 });
  expect(results.get('public.todos/bob/update/others')?.outcome.class).toBe('filtered');
  expect(results.get('public.todos/anon/select/*')?.cell.origin).toBe('default');
});

it('a TypeScript matrix in a CommonJS project (npm init leaves "type": "commonjs") loads the same', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-cjs-'));
  try {
    const source = join(import.meta.dirname, 'projects/ts-matrix');
    await cp(source, dir, { recursive: true });
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', type: 'commonjs' }));
    const matrix = join(dir, 'rls-matrix.ts');
    await writeFile(matrix, (await readFile(matrix, 'utf8')).replace("'../../../matrix/define.js'", `'${join(import.meta.dirname, '../matrix/define.ts')}'`));
    const loaded = await loadMatrix(matrix);
    expect(Object.keys(loaded.personas)).toEqual(['anon', 'alice', 'bob']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it('the JSON Schema shipped for editors is the one the zod schema generates (npm run schema)', () => {
  const shipped = JSON.parse(readFileSync(join(import.meta.dirname, '../schema/rls-matrix.schema.json'), 'utf8'));
  expect(shipped).toEqual(matrixJsonSchema());
  expect(shipped.required).toEqual(expect.arrayContaining(['version', 'personas']));
});
