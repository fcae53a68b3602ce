import { expect, it } from 'vitest';
import { appendFile, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { initProject } from '../harness/index.js';
import type { Io } from '../cli/io.js';
import { main } from '../cli/main.js';
import { runAndCollect, sharedDatabaseSuite, tempDir } from './helpers.js';

const shared = sharedDatabaseSuite();
const EXAMPLE = join(import.meta.dirname, '../examples/todo-supabase');

/** A copy of examples/todo-supabase (supabase/config.toml, migrations, seed.sql), as a user's project. */
async function todoProject(): Promise<string> {
  const dir = await tempDir('rls-matrix-init-');
  await cp(EXAMPLE, dir, { recursive: true });
  return dir;
}

it('init writes a matrix from a supabase/ project (owner columns from the policies, FK-valid rows, every cell recorded) that runs green, and turns red on exactly the cells a planted policy opens', async () => {
  const dir = await todoProject();
  const outcome = await initProject({ dir, provider: shared.provider() });
  expect(outcome.file).toBe(join(dir, 'rls/rls-matrix.yaml'));
  expect(outcome.migrations).toBe('supabase/migrations');
  expect(outcome.owned).toEqual([
    { table: 'public.lists', column: 'owner_id' },
    { table: 'public.todos', column: 'user_id' },
  ]);
  expect(outcome.unowned).toEqual(['public.tags']);
  expect(outcome.buckets).toEqual([]);
  // tags has no column outside its keys: the whole-table update sets name to one row's value (a duplicate).
  expect(outcome.unrecorded).toEqual([{ id: 'public.tags/service_role/update/*', reason: expect.stringContaining('23505') }]);
  expect(outcome.recorded).toHaveLength(3 * 4 * 4 - 1 + 2 * 2 * 4 * 2 - 2 * 2 * 4);
  const text = await readFile(outcome.file, 'utf8');
  for (const line of [
    'database:\n  migrations: ../supabase/migrations\n  supabase: true\nfixtures:\n  sql: ../supabase/seed.sql\n',
    '    public.lists:\n      - { owner_id: "@user.alice" }\n      - { owner_id: "@user.bob" }\n    public.tags:\n      - {}\n    public.todos:\n      - { user_id: "@user.alice" }\n      - { user_id: "@user.bob" }\n',
    '    scopes:\n      own: user_id = auth.uid()\n      others: user_id is distinct from auth.uid()\n',
    '      alice:\n        select:\n          own: allow # recorded, not reviewed\n          others: filtered # recorded, not reviewed\n        insert:\n          own: allow # recorded, not reviewed\n          others: deny # recorded, not reviewed\n',
    '      anon:\n        select: filtered # recorded, not reviewed\n        insert: deny # recorded, not reviewed\n',
    '      service_role:\n        select: allow # recorded, not reviewed\n        insert: allow # recorded, not reviewed\n        update: { known: "not recorded: its row breaks the table\'s rules (23505: duplicate key value violates unique constraint \\"tags_name_key\\"): give the table rows: for its inserts, then record again", verdict: deny } # state the verdict, then delete the known gap\n        delete: allow # recorded, not reviewed\n',
  ])
    expect(text).toContain(line);

  const green = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(green.summary.exitCode).toBe(0);
  expect([...green.results.values()].filter((r) => r.status !== 'pass').map((r) => [r.cell.id, r.status])).toEqual([['public.tags/service_role/update/*', 'known']]);

  await appendFile(join(dir, 'supabase/migrations/20250101000000_todos.sql'), '\ncreate policy "leak" on public.todos for select to authenticated using (true);\n');
  const red = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(red.summary.exitCode).toBe(1);
  const failing = [...red.results.values()].filter((r) => r.status === 'fail').map((r) => [r.cell.id, r.outcome.class]);
  expect(failing.sort()).toEqual([
    ['public.todos/alice/select/others', 'allowed'],
    ['public.todos/bob/select/others', 'allowed'],
  ]);
});

it('rls-matrix init refuses to replace a matrix without --force (exit 2), names --migrations for a project without supabase/, and takes --migrations', async () => {
  const dir = await todoProject();
  await mkdir(join(dir, 'rls'));
  await writeFile(join(dir, 'rls/rls-matrix.yaml'), 'x');
  const io = captureIo();
  expect(await main(['node', 'rls-matrix', 'init', dir], io.io)).toBe(2);
  expect(io.err()).toContain(`${join(dir, 'rls/rls-matrix.yaml')} already exists`);
  expect(io.err()).toContain('pass --force to replace it');
  expect(await readFile(join(dir, 'rls/rls-matrix.yaml'), 'utf8')).toBe('x');

  const bare = await tempDir('rls-matrix-init-bare-');
  const refused = captureIo();
  expect(await main(['node', 'rls-matrix', 'init', bare], refused.io)).toBe(2);
  expect(refused.err()).toContain("has no supabase/migrations: run init in a Supabase project's folder, or pass --migrations DIR");

  const made = captureIo();
  expect(await main(['node', 'rls-matrix', 'init', bare, '--migrations', join(dir, 'supabase/migrations'), '--schemas', 'public'], made.io)).toBe(0);
  expect(made.out()).toContain('  public.todos: owner column user_id (compared with auth.uid()) → scopes own/others for alice and bob\n');
  expect(made.out()).toContain('1 table with RLS but no column compared with auth.uid() found');
  expect(made.out()).toContain('  ! public.tags\n');
  const text = await readFile(join(bare, 'rls/rls-matrix.yaml'), 'utf8');
  expect(text).toContain(`  migrations: ${relative(join(bare, 'rls'), join(dir, 'supabase/migrations'))}\n`);
  expect(text).not.toContain('seed.sql');
  expect(text).toContain('\nschemas:\n  - public\n');
  expect(await readdir(join(bare, 'rls'))).toEqual(['rls-matrix.yaml']);
  // Without seed.sql's tags, the whole-table update of tags' one fixture row records: nothing is left unstated.
  expect(text).not.toContain('known:');
});

function captureIo(): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), isTTY: false, env: { ...process.env, CI: 'true' } }, out: () => out, err: () => err };
}

it('init writes a table whose fixture row the schema refuses (a CHECK faker cannot know) without rows: the rest records and passes, and the cells of that table on rows stay errors (vacuous) until someone writes rows', async () => {
  const dir = await tempDir('rls-matrix-init-check-');
  await writeFile(
    join(dir, 'schema.sql'),
    `create table public.accounts (
       id uuid primary key default gen_random_uuid(),
       owner_id uuid not null references auth.users (id),
       slug text check (slug is not null and slug ~ '^[a-z]+-[0-9]{4}$')
     );
     alter table public.accounts enable row level security;
     create policy own on public.accounts for all to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());
     create table public.notes (id bigint generated always as identity primary key, body text not null);
     alter table public.notes enable row level security;
     create policy read on public.notes for select to anon, authenticated using (true);`,
  );
  const outcome = await initProject({ dir, migrations: join(dir, 'schema.sql'), provider: shared.provider() });
  expect(outcome.refused).toEqual([{ table: 'public.accounts', reason: expect.stringMatching(/^seeding public\.accounts row 1 failed: .*check constraint .*SQLSTATE 23514/) }]);
  expect(outcome.owned).toEqual([{ table: 'public.accounts', column: 'owner_id' }]);
  const text = await readFile(outcome.file, 'utf8');
  expect(text).not.toContain('public.accounts:\n      - ');
  expect(outcome.unrecorded.map((u) => u.id)).toContain('public.accounts/alice/select/own');
  const green = await runAndCollect(outcome.file, { provider: shared.provider() });
  const notPassing = [...green.results.values()].filter((r) => r.status !== 'pass');
  expect(notPassing.every((r) => r.cell.table === 'public.accounts')).toBe(true);
  expect(
    notPassing
      .filter((r) => r.status !== 'known')
      .map((r) => r.cell.id)
      .sort(),
  ).toEqual(
    ['anon', 'alice/others', 'alice/own', 'bob/others', 'bob/own', 'service_role']
      .flatMap((p) => ['select', 'update', 'delete'].map((op) => (p.includes('/') ? `public.accounts/${p.replace('/', `/${op}/`)}` : `public.accounts/${p}/${op}/*`)))
      .sort(),
  );
  expect(notPassing.filter((r) => r.status === 'error').every((r) => r.outcome.vacuous === true)).toBe(true);
  expect(green.results.get('public.notes/anon/select/*')?.status).toBe('pass');
  expect(await readdir(join(dir, 'rls'))).toEqual(['rls-matrix.yaml']);
});
