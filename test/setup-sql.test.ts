import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { FixtureError } from '../fixtures/errors.js';
import { HarnessError } from '../core/errors.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { MatrixErrors } from '../matrix/errors.js';
import { loadMatrix } from '../matrix/load.js';
import { runAndCollect, startSharedDatabase, writeProject } from './helpers.js';

// Setup SQL on a server the harness starts: migrations run statement by statement as PostgreSQL's
// parser splits them (outside a transaction, like a migration tool), failures are located at the
// statement (or the spot PostgreSQL points at), and every setup statement is bounded by the setup
// timeout, wherever it comes from.
let database: StartedDatabase;
let provider: Provider;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
});
afterAll(async () => database?.stop());

const MATRIX = `version: 1
database: { migrations: schema.sql }
tables:
  public.notes:
    expect:
      alice: { select: allow }
personas:
  alice: { role: authenticated }
`;
const NOTES = `create table public.notes (id serial primary key, body text not null default 'x');\ngrant select on public.notes to authenticated;\n`;

async function runError(files: Record<string, string>, options: { setupTimeoutMs?: number } = {}): Promise<Error> {
  const dir = await writeProject(files);
  const error = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, lint: false, ...options }).then(
    () => new Error('the run succeeded'),
    (e: unknown) => e as Error,
  );
  return Object.assign(error, { dir });
}

describe('migrations on a server of our own', () => {
  it("run statement by statement: a file's own BEGIN/COMMIT, CREATE INDEX CONCURRENTLY and a $body1$ function body all work", async () => {
    const dir = await writeProject({
      'schema.sql': `begin;\n${NOTES}commit;\ncreate index concurrently notes_body on public.notes (body);
create function public.one() returns int language plpgsql as $body1$
begin
  return 1; -- end;
end;
$body1$;
insert into public.notes (body) select 'n' || public.one();
`,
      'rls-matrix.yaml': MATRIX,
    });
    const { results, summary } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, lint: false });
    expect(summary.counts).toMatchObject({ total: 1, pass: 1 });
    expect(results.get('public.notes/alice/select/*')).toMatchObject({ outcome: { class: 'allowed', rows: 1 } });
  });

  it('name a failing statement after a comment at its own line, with the statement as the excerpt', async () => {
    const error = await runError({ 'schema.sql': `${NOTES}\n-- tasks\n  create table public.tasks (note int references public.nope (id));\n`, 'rls-matrix.yaml': MATRIX });
    expect(error).toBeInstanceOf(FixtureError);
    const { dir } = error as Error & { dir: string };
    expect(error.message).toBe(
      `migration failed: relation "public.nope" does not exist at ${dir}/schema.sql:5:3\n  SQLSTATE 42P01\n  SQL: create table public.tasks (note int references public.nope (id))`,
    );
  });

  it('point where PostgreSQL points inside a statement, in characters', async () => {
    const error = await runError({ 'schema.sql': `${NOTES}select 'é😀',\n       nope\n  from public.notes;\n`, 'rls-matrix.yaml': MATRIX });
    const { dir } = error as Error & { dir: string };
    expect(error.message).toContain(`migration failed: column "nope" does not exist at ${dir}/schema.sql:4:8\n  SQLSTATE 42703`);
  });

  it("refuse a file PostgreSQL's parser refuses, before any of it runs (exit 2, the parser's message and where it points)", async () => {
    const error = await runError({ 'schema.sql': `${NOTES}select 1 from where;\n`, 'rls-matrix.yaml': MATRIX });
    const { dir } = error as Error & { dir: string };
    expect(error).toBeInstanceOf(FixtureError);
    expect(error.message).toBe(`migration failed: syntax error at or near "where" (PostgreSQL's parser; nothing of this file ran) at ${dir}/schema.sql:3:15\n  SQL: select 1 from where;`);
  });
});

describe('setup statements stop at --setup-timeout (exit 3, with their location)', () => {
  const expectTimeout = (error: Error, located: string) => {
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_SETUP_TIMEOUT');
    expect((error as HarnessError).exitCode).toBe(3);
    expect(error.message).toContain(located);
    expect(error.message).toContain('this setup statement ran longer than --setup-timeout (800 ms) and was cancelled: make it faster, or raise --setup-timeout');
  };

  it('a migration that lifts statement_timeout first, as pg_dump output does', async () => {
    const error = await runError({ 'schema.sql': `set statement_timeout = 0;\n${NOTES}select pg_sleep(600);\n`, 'rls-matrix.yaml': MATRIX }, { setupTimeoutMs: 800 });
    expectTimeout(error, `migration failed: canceling statement due to statement timeout at ${(error as Error & { dir: string }).dir}/schema.sql:4:1`);
  });

  it('fixture SQL', async () => {
    const error = await runError(
      {
        'schema.sql': NOTES,
        'seed.sql': `select set_config('statement_timeout', '0', false);\nselect pg_sleep(600);\n`,
        'rls-matrix.yaml': MATRIX.replace('personas:', 'fixtures: { sql: seed.sql }\npersonas:'),
      },
      { setupTimeoutMs: 800 },
    );
    expectTimeout(error, `seed SQL failed: canceling statement due to statement timeout at ${(error as Error & { dir: string }).dir}/seed.sql:2:1`);
  });

  it('a fixture row value', async () => {
    const error = await runError(
      { 'schema.sql': NOTES, 'rls-matrix.yaml': MATRIX.replace('personas:', `fixtures:\n  rows:\n    public.notes:\n      - { body: "= (select 'x' from pg_sleep(600))" }\npersonas:`) },
      { setupTimeoutMs: 800 },
    );
    expectTimeout(error, `seeding public.notes row 1 failed: canceling statement due to statement timeout at ${(error as Error & { dir: string }).dir}/rls-matrix.yaml:10:9`);
  });

  it('a scope predicate, evaluated while planning', async () => {
    const error = await runError(
      {
        'schema.sql': NOTES,
        'rls-matrix.yaml': MATRIX.replace(
          '    expect:\n      alice: { select: allow }',
          '    scopes:\n      slow: pg_sleep(600) is not null\n    expect:\n      alice: { select: { slow: allow } }',
        ).replace('personas:', 'fixtures: { rows: { public.notes: [{}] } }\npersonas:'),
      },
      { setupTimeoutMs: 800 },
    );
    expectTimeout(
      error,
      `scope 'slow' of public.notes failed for persona alice at ${(error as Error & { dir: string }).dir}/rls-matrix.yaml:6:7: canceling statement due to statement timeout (SQLSTATE 57014)`,
    );
  });
});

describe('SQL written in a matrix is one expression, checked when the matrix loads (every provider, before anything runs)', () => {
  it('names each fragment that is not, at its file:line:column', async () => {
    const dir = await writeProject({
      'rls-matrix.yaml': `version: 1
tables:
  public.notes:
    scopes:
      sneaky: "true); commit; select (true"
      fine: body = 'x'
    rows:
      fine: { body: "= 'a'), ('b'" }
    set: { body: "= upper(body) -- comment" }
functions:
  public.f:
    args: { a: "= 1) union select (2" }
    expect: { alice: allow }
storage:
  avatars:
    scopes:
      mine: "owner_id = auth.uid()) or (true"
fixtures:
  rows:
    public.notes:
      - { body: "= 1) from pg_class where (true", $count: 2 }
personas:
  alice: { role: authenticated }
`,
    });
    const error = await loadMatrix(join(dir, 'rls-matrix.yaml')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MatrixErrors);
    expect((error as MatrixErrors).errors.map((e) => e.message.replaceAll(`${dir}/`, ''))).toEqual([
      "scope tables.public.notes.scopes.sneaky is not one SQL expression: it holds 3 statements (a ';' ends the statement it is put in) at rls-matrix.yaml:5:7",
      'the SQL value tables.public.notes.rows.fine.body is not one SQL expression: it is a list of 2 expressions, not one at rls-matrix.yaml:8:15',
      `the SQL value tables.public.notes.set.body is not one SQL expression: PostgreSQL's parser says: syntax error at end of input (a -- comment at its end swallows what the harness writes after it: use /* … */) at rls-matrix.yaml:9:12`,
      'the SQL value functions.public.f.args.a is not one SQL expression: it adds UNION/INTERSECT/EXCEPT to the statement it is put in at rls-matrix.yaml:12:13',
      "scope storage.avatars.scopes.mine is not one SQL expression: it closes a parenthesis it did not open (the harness's own) at rls-matrix.yaml:17:7",
      'the SQL value fixtures.rows.public.notes[0].body is not one SQL expression: it adds FROM, WHERE to the statement it is put in at rls-matrix.yaml:21:11',
    ]);
  });
});
