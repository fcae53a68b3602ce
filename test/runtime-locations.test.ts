import { describe, expect, it } from 'vitest';
import { HarnessError } from '../core/errors.js';
import { runMatrix } from '../harness/run.js';
import { sharedDatabaseSuite, writeProject } from './helpers.js';

// Problems only the live database reveals still name where the matrix says the wrong thing.
const SCHEMA = `create table public.notes (id int primary key, body text);
alter table public.notes enable row level security;`;

const { provider } = sharedDatabaseSuite();

async function failure(matrix: string): Promise<{ error: HarnessError; file: string }> {
  const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': matrix });
  const file = `${dir}/rls-matrix.yaml`;
  const error = await runMatrix({ matrices: [file], provider: provider() }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(HarnessError);
  return { error: error as HarnessError, file };
}

describe('errors found once the database is up name the matrix location', () => {
  it('a persona whose role does not exist', async () => {
    const { error, file } = await failure(`version: 1
database: { migrations: ./schema.sql }
personas:
  alice: { role: authenticated }
  root: { role: superuser }
tables:
  public.notes: { expect: { alice: deny, root: deny } }
`);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`role 'superuser' (persona root at ${file}:5:3) does not exist: create it in a migration, or enable database.supabase for anon/authenticated/service_role`);
  });

  it('an exposed schema that does not exist, with the nearest one', async () => {
    const { error, file } = await failure(`version: 1
schemas: [public, pubic]
database: { migrations: ./schema.sql }
personas:
  alice: { role: authenticated }
defaults: deny
`);
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe(`schema 'pubic' (schemas:) does not exist after migrations at ${file}:2:19 — did you mean 'public'?`);
  });
});
