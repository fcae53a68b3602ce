import { expect, it } from 'vitest';
import { join } from 'node:path';
import { loadMatrix } from '../matrix/load.js';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

const shared = sharedDatabaseSuite();

const CONFIG = `# as supabase init writes it, trimmed
project_id = "app"

[api]
enabled = true
schemas = ["api", "graphql_public"]
extra_search_path = ["public", "extensions", "util"]

[db]
major_version = 15
`;

// The policy lets a row through only when the request's search_path holds util, as config.toml says.
const MIGRATION = `
create schema api;
create schema util;
create table api.notes (id int primary key);
alter table api.notes enable row level security;
create policy search_path_read on api.notes for select to authenticated using (current_setting('search_path') like '%"util"%');
grant usage on schema api to authenticated;
grant select on api.notes to authenticated;
`;

const MATRIX = `version: 1
database: { migrations: ../supabase/migrations }
fixtures: { rows: { api.notes: [{ id: 1 }] } }
personas: { alice: { role: authenticated } }
tables:
  "*": { expect: { alice: { select: allow } } }
`;

it("supabase/config.toml's exposed schemas are the matrix's schemas, its extra_search_path the cells' search path, and another major_version a warning", async () => {
  const dir = await writeProject({ 'supabase/config.toml': CONFIG, 'supabase/migrations/0001_init.sql': MIGRATION, 'rls/rls-matrix.yaml': MATRIX });
  const matrix = await loadMatrix(join(dir, 'rls/rls-matrix.yaml'));
  expect(matrix.schemas).toEqual(['api']);
  expect(matrix.database.extraSearchPath).toEqual(['public', 'extensions', 'util']);
  expect(matrix.supabaseConfig).toEqual({ file: join(dir, 'supabase/config.toml'), schemas: ['api'], extraSearchPath: ['public', 'extensions', 'util'], majorVersion: 15 });
  expect(matrix.sources).toContain(join(dir, 'supabase/config.toml'));
  const warnings: string[] = [];
  const { results, summary } = await runAndCollect(join(dir, 'rls/rls-matrix.yaml'), { provider: shared.provider(), lint: false, providerOptions: { onWarning: (w) => warnings.push(w) } });
  expect(warnings).toEqual([
    `${join(dir, 'supabase/config.toml')} says the project runs PostgreSQL 15 ([db] major_version), and this run uses PostgreSQL 18: behaviour can differ between majors (use --provider system --pg-bin or --provider docker --image for 15)`,
  ]);
  expect([...results.keys()]).toEqual(['api.notes/alice/select/*']);
  expect(results.get('api.notes/alice/select/*')?.outcome).toMatchObject({ class: 'allowed', rows: 1 });
  expect(summary.exitCode).toBe(0);
});

it('a matrix stating schemas: keeps them; a config.toml with a syntax error names its line', async () => {
  const dir = await writeProject({ 'supabase/config.toml': CONFIG, 'supabase/migrations/0001_init.sql': MIGRATION, 'rls/rls-matrix.yaml': `schemas: [public]\n${MATRIX}` });
  expect((await loadMatrix(join(dir, 'rls/rls-matrix.yaml'))).schemas).toEqual(['public']);
  const broken = await writeProject({ 'supabase/config.toml': '[api]\nschemas = ["api"\n', 'rls-matrix.yaml': MATRIX });
  await expect(loadMatrix(join(broken, 'rls-matrix.yaml'))).rejects.toMatchObject({
    code: 'ERR_MATRIX_SYNTAX',
    message: expect.stringMatching(/^TOML syntax error: expected comma or end of structure at .*supabase\/config\.toml:3:1$/),
  });
});
