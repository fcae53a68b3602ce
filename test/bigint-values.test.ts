import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { runProject, sharedDatabaseSuite, writeProject } from './helpers.js';

// A bigint id beyond 2^53 − 1 written as a YAML number has lost digits before anything sees it
// (9007199254740993 reads as …992): refused at its line; quoted, it reaches PostgreSQL exactly.
const shared = sharedDatabaseSuite();

const SCHEMA = `create table public.accounts (id bigint primary key, name text not null default 'x');
alter table public.accounts enable row level security;
create policy "exactly the big one" on public.accounts for select to authenticated using (id = 9007199254740993);
`;

const matrix = (id: string) => `version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.accounts:
      - { id: ${id} }
      - { id: "9007199254740992" }
personas:
  alice: { role: authenticated }
tables:
  public.accounts:
    scopes:
      big: id = 9007199254740993
      neighbour: id = 9007199254740992
    expect:
      alice: { select: { big: allow, neighbour: filtered } }
`;

it('a quoted integer beyond 2^53 − 1 reaches PostgreSQL with every digit', async () => {
  const { cell, summary } = await runProject({ matrix: matrix('"9007199254740993"'), schema: SCHEMA }, { provider: shared.provider() });
  expect(cell('public.accounts/alice/select/big')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
  expect(cell('public.accounts/alice/select/neighbour')).toMatchObject({ status: 'pass', outcome: { class: 'filtered' } });
  expect(summary.exitCode).toBe(0);
}, 60_000);

it('an unquoted one is refused before the database starts: exit 2, file:line, the quoted form', async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': matrix('9007199254740993') });
  let output = '';
  const io = { stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t), isTTY: false, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } };
  const code = await main(['node', 'rls-matrix', 'run', join(dir, 'rls-matrix.yaml'), '--reporter', 'none'], io);
  expect(code).toBe(2);
  expect(output).toContain(
    `the integer 9007199254740993 is beyond 2^53 − 1 (9007199254740991), the largest a matrix reads exactly (it would become 9007199254740992): quote it ('9007199254740993') so PostgreSQL reads every digit at ${join(dir, 'rls-matrix.yaml')}:6:15`,
  );
  expect(output).not.toMatch(/\n\s+at /);
}, 60_000);
