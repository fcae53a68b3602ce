import { describe, expect, it } from 'vitest';
import { runProject, sharedDatabaseSuite } from './helpers.js';

// Mistakes a new user makes while writing a matrix, each answered by one clear message that says
// what to change, against a real PostgreSQL.
const shared = sharedDatabaseSuite();

const SCHEMA = `
create domain public.email_address as text check (value like '%@%');
create table public.contacts (id serial primary key, email public.email_address not null, name text);
create table public.owners (id serial primary key);
create table public.places (id serial primary key, loc point not null, span int4range not null, label text not null, owner_id int not null references public.owners (id));
alter table public.contacts enable row level security;
alter table public.places enable row level security;
create function public.stats() returns int language sql as $$ select 1 $$;
`;

const matrix = (parts: { personas?: string; rows?: string; rest?: string }) => `version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
${parts.rows ?? '    public.contacts: [{ email: a@example.test }]'}
personas:
${parts.personas ?? '  alice: { role: authenticated }'}
tables:
  public.contacts:
    expect:
      alice: deny
${parts.rest ?? ''}`;

async function failure(yaml: string): Promise<{ message: string; code?: string; exitCode?: number }> {
  const error = await runProject({ matrix: yaml, schema: SCHEMA }, { provider: shared.provider() }).then(
    () => undefined,
    (e: unknown) => e as { message: string; code?: string; exitCode?: number },
  );
  if (!error) throw new Error('the run did not fail');
  return error;
}

describe('clear messages for common mistakes', () => {
  it('a role typo in a persona suggests the role that exists', async () => {
    const error = await failure(matrix({ personas: '  alice: { role: authenticted }' }));
    expect(error.message).toMatch(/^role 'authenticted' \(persona alice at .*rls-matrix\.yaml:7:3\) does not exist — did you mean 'authenticated'\? \(or create it in a migration\)$/);
    expect(error.exitCode).toBe(2);
  }, 60_000);

  it("an rpc verdict written like a table's says what a function takes, in one error", async () => {
    const error = await failure(matrix({ rest: 'functions:\n  public.stats:\n    expect:\n      alice: { call: allow }\n' }));
    expect(error.message).toMatch(
      /^functions\.public\.stats\.expect\.alice states 'call', but an rpc cell has no operations or scopes: a function takes one verdict per persona \(alice: allow; rows: for an exact row count\) at .*rls-matrix\.yaml:15:7$/,
    );
    expect(error.exitCode).toBe(2);
  }, 60_000);

  it("a domain's CHECK failing names the column and its value, which PostgreSQL leaves out", async () => {
    const error = await failure(matrix({ rows: '    public.contacts: [{ email: nobody, name: x }]' }));
    expect(error.message).toContain(
      'seeding public.contacts row 1 failed: value for domain email_address violates check constraint "email_address_check" (column email = "nobody" of public.contacts, domain email_address)',
    );
    expect(error.message).toContain('SQLSTATE 23514');
  }, 60_000);

  it('every NOT NULL column that cannot be filled (no value to invent, no row to reference) is listed at once', async () => {
    const error = await failure(matrix({ rows: '    public.places: [{ label: home }]' }));
    expect(error.message).toMatch(
      /^cannot fill 3 NOT NULL columns of public\.places: loc \(point\), span \(int4range\): no value can be invented for their types, give them in the row; owner_id references public\.owners\(id\), which has no rows yet: seed public\.owners first or give owner_id in the row at .*rls-matrix\.yaml:5:21$/,
    );
    expect(error.exitCode).toBe(2);
  }, 60_000);
});
