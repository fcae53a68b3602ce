import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { writeProject } from './helpers.js';

const SCHEMA = `create table public.notes (id serial primary key, owner_id uuid not null default auth.uid(), body text not null default '');
alter table public.notes enable row level security;
create policy "own" on public.notes for select to authenticated using (owner_id = auth.uid());
`;
const MATRIX = `version: 1
name: no defaults
database: { migrations: ./schema.sql }
fixtures: { rows: { public.notes: [{ owner_id: "@user.alice" }] } }
personas:
  alice: { role: authenticated }
tables:
  public.notes:
    scopes: { own: owner_id = auth.uid() }
    expect:
      alice: { select: { own: allow } }
`;

async function run(dir: string, ...flags: string[]) {
  let stdout = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stdout += t), isTTY: false, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } };
  const code = await main(['node', 'rls-matrix', 'run', join(dir, 'rls-matrix.yaml'), '--reporter', 'none', '--workers', '1', ...flags], io);
  return { code, stdout };
}

it('a matrix without defaults passes with a visible warning, and --fail-on untested fails it on the combinations it leaves untested', async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
  const plain = await run(dir);
  expect(plain.code).toBe(0);
  expect(plain.stdout).toMatch(
    /^warning: .*rls-matrix\.yaml has no `defaults`: combinations it does not state are untested, not expected to deny \(add `defaults: deny`, or run with --fail-on untested to fail on them\)$/m,
  );

  // select is stated; insert, update and delete of alice on public.notes are untested.
  const gated = await run(dir, '--fail-on', 'untested');
  expect(gated.code).toBe(1);
  expect(gated.stdout).toContain('FAIL 1 cells: 1 passed, 0 failed, 0 errors, 0 known gaps\n');
  expect(gated.stdout).toContain('     3 untested table × persona × operation combinations fail the run (--fail-on untested)\n');

  // A severity and untested together; anything else is refused as bad input.
  expect((await run(dir, '--fail-on', 'error,untested')).code).toBe(1);
  const wrong = await run(dir, '--fail-on', 'untested,sometimes');
  expect(wrong.code).toBe(2);
  expect(wrong.stdout).toContain('expected one of error, warn, info, none, untested');
}, 180_000);
