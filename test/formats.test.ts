import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matrixJsonSchema } from '../matrix/json-schema.js';
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

it('the JSON Schema shipped for editors is the one the zod schema generates (npm run schema)', () => {
  const shipped = JSON.parse(readFileSync(join(import.meta.dirname, '../schema/rls-matrix.schema.json'), 'utf8'));
  expect(shipped).toEqual(matrixJsonSchema());
  expect(shipped.required).toEqual(expect.arrayContaining(['version', 'personas']));
});
