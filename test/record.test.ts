import { expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { recordMatrix } from '../harness/index.js';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

const shared = sharedDatabaseSuite();

const SCHEMA = `
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id),
  body text not null default 'x'
);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select to authenticated using (true);
create policy notes_insert on public.notes for insert to authenticated with check (owner_id = auth.uid());
create policy notes_update on public.notes for update to authenticated using (owner_id = auth.uid());
create policy notes_delete on public.notes for delete to authenticated using (true);
create function public.keep_notes() returns trigger language plpgsql as $$
begin raise exception 'notes are kept' using errcode = 'P0001'; end $$;
create trigger keep_notes before delete on public.notes for each row execute function public.keep_notes();
create table public.audit (id bigint generated always as identity primary key, note text);
alter table public.audit enable row level security;
`;

const MATRIX = `# Notes: reviewed by hand so far
version: 1
name: record round trip
database:
  migrations: ./schema.sql
fixtures:
  rows:
    public.notes:
      - { owner_id: "@user.alice", body: a } # alice's note
      - { owner_id: "@user.bob", body: b }
    public.audit: [{ note: x }]
personas:
  anon: &api_role { role: anon }
  alice: { role: authenticated }
  bob: { role: authenticated }
tables:
  public.notes:
    scopes:
      own: owner_id = auth.uid()
    expect:
      alice:
        select: { own: allow } # stated by a human
`;

it('records what the database does into the unstated cells, keeping comments and anchors; the recording runs green and turns red when a policy changes', async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
  const file = join(dir, 'rls-matrix.yaml');
  const outcome = await recordMatrix({ matrix: file, provider: shared.provider() });
  expect(outcome.text).toBe(`${MATRIX.replace('[{ note: x }]', '[ { note: x } ]')}        insert: allow # recorded, not reviewed
        delete: { refused: P0001 } # recorded, not reviewed
      anon:
        select: filtered # recorded, not reviewed
        insert: deny # recorded, not reviewed
        update: filtered # recorded, not reviewed
        delete: filtered # recorded, not reviewed
      bob:
        select: allow # recorded, not reviewed
        insert: allow # recorded, not reviewed
        delete: { refused: P0001 } # recorded, not reviewed
  public.audit:
    expect:
${['anon', 'alice', 'bob'].map((p) => `      ${p}:\n${['select: filtered', 'insert: deny', 'update: filtered', 'delete: filtered'].map((v) => `        ${v} # recorded, not reviewed\n`).join('')}`).join('')}`);
  // Updates that reach some rows only (owner_id = auth.uid()) have no whole-table verdict: a human states scopes.
  expect(outcome.unrecorded).toEqual([
    { id: 'public.notes/alice/update/*', reason: expect.stringContaining('1 of 2 rows: the policy depends on the row') },
    { id: 'public.notes/bob/update/*', reason: expect.stringContaining('1 of 2 rows') },
  ]);
  await writeFile(file, outcome.text);
  const green = await runAndCollect(file, { provider: shared.provider() });
  expect(green.summary.exitCode).toBe(0);
  await writeFile(join(dir, 'schema.sql'), SCHEMA.replace('for select to authenticated using (true)', 'for select to authenticated using (owner_id = auth.uid())'));
  const red = await runAndCollect(file, { provider: shared.provider() });
  expect(red.summary.exitCode).toBe(1);
  expect([...red.results.values()].filter((r) => r.status !== 'pass').map((r) => [r.cell.id, r.outcome.class])).toEqual([['public.notes/bob/select/*', 'partial']]);
  expect(await readFile(file, 'utf8')).toBe(outcome.text);
});

it('rls-matrix record writes the file (or --write another), lists each recorded verdict and each cell left to a human, and refuses a TypeScript matrix', async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX, 'm.ts': 'export default {}' });
  const copy = join(dir, 'recorded.yaml');
  const { code, stdout } = await cli(['record', join(dir, 'rls-matrix.yaml'), '--write', copy]);
  expect(code).toBe(0);
  expect(await readFile(join(dir, 'rls-matrix.yaml'), 'utf8')).toBe(MATRIX);
  expect(await readFile(copy, 'utf8')).toContain('        delete: { refused: P0001 } # recorded, not reviewed\n');
  expect(stdout).toContain(`${copy}: 21 verdicts recorded from what the database does now, each marked "# recorded, not reviewed"\n`);
  expect(stdout).toContain('  + public.notes · alice · delete → refused P0001\n');
  expect(stdout).toContain('2 cells left unstated (no verdict describes what happened):\n  ? public.notes/alice/update/*: 1 of 2 rows');
  const ts = await cli(['record', join(dir, 'm.ts')]);
  expect(ts).toMatchObject({ code: 2, stderr: expect.stringContaining('record rewrites YAML matrices only') });
});

/** The built command line, as a user runs it (npm run build first). */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = join(import.meta.dirname, '../bin/rls-matrix.js');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { env: { ...process.env, CI: 'true' }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
