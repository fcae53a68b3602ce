import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

let database: StartedDatabase;
let provider: Provider;
afterAll(async () => database?.stop());
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);

it('a matrix over a schema with two planted bugs fails on exactly the cells that expose them', async () => {
  const { results, summary } = await runAndCollect(join(import.meta.dirname, 'projects/planted-bugs/rls-matrix.yaml'), { provider });

  const failing = [...results.values()]
    .filter((r) => r.status !== 'pass')
    .map((r) => `${r.cell.id} ${r.outcome.class}`)
    .sort();
  expect(failing).toEqual(
    [
      // Bug 1: audit_log has no RLS, so every persona may do everything the legacy grants allow.
      ...['alice', 'anon', 'bob'].flatMap((p) => ['delete', 'insert', 'select', 'update'].map((op) => `public.audit_log/${p}/${op}/* allowed`)),
      // Bug 2: WITH CHECK (true) lets an author hand a document over to another user.
      'public.documents/alice/hand_over/own allowed',
      'public.documents/bob/hand_over/own allowed',
    ].sort(),
  );
  expect(summary.exitCode).toBe(1);
  // Moving a document to another team stays refused: the new row fails the SELECT policy.
  expect(results.get('public.documents/alice/move_to_other_team/own')?.outcome.class).toBe('denied:policy');
  // Everything else the matrix states holds.
  expect(summary.counts.pass).toBe(results.size - failing.length);
});
