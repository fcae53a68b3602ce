import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { runProject, sharedDatabaseSuite, writeProject } from './helpers.js';

// A large fixture takes a while to seed: the run says how far it is every 1,000 rows.
const shared = sharedDatabaseSuite();

const SCHEMA = `create table public.events (id bigint generated always as identity primary key, body text not null);
alter table public.events enable row level security;
create policy "read" on public.events for select to authenticated using (true);
`;
const MATRIX = `version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.events:
      - { body: first }
      - { $count: 2400 }
      - { body: last }
personas:
  alice: { role: authenticated }
tables:
  public.events:
    expect:
      alice: { select: allow }
`;

it('seeding reports its progress to onStage every 1,000 rows, with the total', async () => {
  const stages: string[] = [];
  const { summary } = await runProject({ matrix: MATRIX, schema: SCHEMA }, { provider: shared.provider(), onStage: (stage) => stages.push(stage) });
  expect(summary.exitCode).toBe(0);
  const seeding = stages.slice(stages.indexOf('seeding fixtures'), stages.indexOf('planning cells') + 1);
  expect(seeding).toEqual(['seeding fixtures', 'seeding fixtures: 1,000 of 2,402 rows', 'seeding fixtures: 2,000 of 2,402 rows', 'planning cells']);
}, 120_000);

it('the console shows it on a terminal, and not in CI', async () => {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX });
  const run = async (env: Record<string, string | undefined>) => {
    let stderr = '';
    const io = { stdout: () => undefined, stderr: (t: string) => void (stderr += t), isTTY: true, env: { ...process.env, CI: '', GITHUB_ACTIONS: '', ...env } };
    const code = await main(['node', 'rls-matrix', 'run', join(dir, 'rls-matrix.yaml'), '--reporter', 'none', '--workers', '1'], io);
    return { code, stderr };
  };
  const terminal = await run({});
  expect(terminal.code).toBe(0);
  expect(terminal.stderr).toContain('seeding fixtures: 2,000 of 2,402 rows…');
  const ci = await run({ CI: 'true' });
  expect(ci.stderr).not.toContain('seeding fixtures');
}, 180_000);
