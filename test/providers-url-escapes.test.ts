import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runSqlFiles } from '../fixtures/index.js';
import { queryOneStatement } from '../fixtures/migrations.js';
import { main } from '../cli/main.js';
import { HarnessError } from '../core/errors.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { openWorkspace } from '../database/workspace.js';
import { executeCell } from '../harness/executor/execute.js';
import type { CellPlan } from '../harness/planner/plan.js';
import { writeProject } from './helpers.js';
import { cli, fingerprint, urlOf, withClient } from './providers-helpers.js';

// "Staging": a separately started PostgreSQL whose database holds a real row and the shim, all
// committed. Every candidate below first changes that row and creates a table, then tries to
// commit in a disguise; staging must stay byte-identical (catalogue and data fingerprint) and no
// file may appear on the server. Each form runs as a migration (--apply-migrations) and as fixture
// SQL (--no-apply-migrations).
let server: StartedDatabase;
let before: Record<string, string>;
const url = () => urlOf(server.connection, 'staging');

/**
 * The command line in this process (the same argument parsing, error reporting and exit codes as
 * bin/rls-matrix.js, without starting Node for each of the many forms below).
 */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'rls-matrix', ...args], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  server = await embeddedProvider.start();
  // The scratch databases exist before the fingerprint is taken: pg_database is part of it.
  await withClient(server.connection, 'postgres', async (admin) => {
    for (const db of ['staging', 'scratch_hooks', 'scratch_ended']) await admin.query(`create database ${db}`);
  });
  await withClient(server.connection, 'staging', async (client) => {
    await installSupabaseShim(client, 'legacy');
    await client.query(`create table public.accounts (id int primary key, owner uuid, balance int not null);
      insert into public.accounts values (1, null, 100);
      alter table public.accounts enable row level security;
      create policy own on public.accounts for all to authenticated using (owner = auth.uid());`);
  });
  before = await withClient(server.connection, 'staging', fingerprint);
});

afterAll(async () => {
  await server?.stop();
});

async function expectStagingUnchanged(): Promise<void> {
  expect(await withClient(server.connection, 'staging', fingerprint)).toEqual(before);
}

// What a commit would make permanent: a changed row and a new table.
const PAYLOAD = 'update public.accounts set balance = 0 where id = 1;\ncreate table public.smuggled (id int);\n';

/** A server file a form tries to write; it must never appear. */
const serverFile = () => join(tmpdir(), `rls-matrix-smuggled-${randomBytes(4).toString('hex')}`);

interface Form {
  name: string;
  sql: (file: string) => string;
  /** line:column of the refused statement in the file (PAYLOAD is lines 1-2) and its first line. */
  at: string;
  statement: string | ((file: string) => string);
  /** Transaction control (default) or another escape. */
  escape?: string;
}

const FORMS: Form[] = [
  // The five forms of the issue, which fooled the hand-written splitter.
  { name: "a string saying 'begin atomic', then commit", sql: () => `select 'begin atomic';\ncommit;\n`, at: '4:1', statement: 'commit' },
  { name: 'an E-string with an escaped quote', sql: () => String.raw`select E'\''; commit; select 1;`, at: '3:15', statement: 'commit' },
  { name: 'a $ inside identifiers', sql: () => 'select 1 as a$b$; commit; select 1 as c$b$;', at: '3:19', statement: 'commit' },
  { name: 'a dollar tag with a digit', sql: () => `select $a1$ ' $a1$; commit; select 1;`, at: '3:21', statement: 'commit' },
  { name: 'nested comments', sql: () => '/* /* */ */ commit; select 1;', at: '3:13', statement: 'commit' },
  // Further forms of transaction control.
  { name: 'COMMIT AND CHAIN', sql: () => 'commit and chain;', at: '3:1', statement: 'commit and chain' },
  { name: 'END TRANSACTION', sql: () => 'end transaction;', at: '3:1', statement: 'end transaction' },
  { name: 'ABORT', sql: () => 'abort;', at: '3:1', statement: 'abort' },
  { name: 'PREPARE TRANSACTION', sql: () => `prepare transaction 'smuggled';`, at: '3:1', statement: `prepare transaction 'smuggled'` },
  { name: 'SAVEPOINT', sql: () => 'savepoint mine;\nrelease savepoint mine;', at: '3:1', statement: 'savepoint mine' },
  { name: "RELEASE of the run's own savepoint", sql: () => 'select 1;\nrelease savepoint setup_1;', at: '4:1', statement: 'release savepoint setup_1' },
  { name: 'ROLLBACK TO a savepoint', sql: () => 'rollback to savepoint setup_1;', at: '3:1', statement: 'rollback to savepoint setup_1' },
  { name: "a U&'…' string and a quoted identifier holding ';'", sql: () => String.raw`select U&'\0027' as "a;b"; commit;`, at: '3:28', statement: 'commit' },
  { name: "E'\\\\' (an escaped backslash)", sql: () => String.raw`select E'\\'; commit;`, at: '3:15', statement: 'commit' },
  { name: 'nested dollar quotes', sql: () => 'select $outer$ $inner$ ; commit; $inner$ $outer$; commit;', at: '3:51', statement: 'commit' },
  // Writing the server's files.
  {
    name: 'COPY to a server file',
    sql: (f) => `copy (select 1) to '${f}';`,
    at: '3:1',
    statement: (f) => `copy (select 1) to '${f}'`,
    escape: 'reads or writes a file on the database server (COPY … TO/FROM a file)',
  },
  {
    name: 'COPY to a program',
    sql: (f) => `copy (select 1) to program 'touch ${f}';`,
    at: '3:1',
    statement: (f) => `copy (select 1) to program 'touch ${f}'`,
    escape: 'runs a program on the database server (COPY … PROGRAM)',
  },
  {
    name: 'lo_export',
    sql: (f) => `select lo_export(lo_from_bytea(0, 'x'), '${f}');`,
    at: '3:1',
    statement: (f) => `select lo_export(lo_from_bytea(0, 'x'), '${f}')`,
    escape: "calls lo_export() (it reads or writes the database server's files)",
  },
];

const AS_MIGRATION = { file: 'schema.sql', matrix: 'version: 1\ndatabase: { migrations: schema.sql }\npersonas:\n  anon: { role: anon }\n', flag: '--apply-migrations' };
const AS_FIXTURE = { file: 'seed.sql', matrix: 'version: 1\nfixtures: { sql: seed.sql }\npersonas:\n  anon: { role: anon }\n', flag: '--no-apply-migrations' };

describe.each([
  ['a migration (--apply-migrations)', AS_MIGRATION],
  ['fixture SQL (--no-apply-migrations)', AS_FIXTURE],
])('--provider url refuses, as %s, every disguised way out of the transaction', (_, shape) => {
  it.each(FORMS.map((form) => [form.name, form] as const))('%s: exit 2 at file:line:column before anything runs; staging unchanged', async (_name, form) => {
    const written = serverFile();
    const dir = await writeProject({ [shape.file]: PAYLOAD + form.sql(written), 'rls-matrix.yaml': shape.matrix });
    const { code, stderr } = await run(['run', dir, '--url', url(), shape.flag, '--reporter', 'none']);
    const statement = typeof form.statement === 'string' ? form.statement : form.statement(written);
    const why = form.escape ? `which ${form.escape}: --provider url refuses it` : 'which would commit or end the transaction a --provider url run is rolled back in';
    const expected = `rls-matrix: ${dir}/${shape.file}:${form.at} has '${statement}', ${why}`;
    expect(stderr.slice(0, expected.length)).toBe(expected);
    expect(stderr).toContain('Nothing was committed.');
    expect(code).toBe(2);
    expect(existsSync(written)).toBe(false);
    await expectStagingUnchanged();
  });

  it("a procedure that commits, called with CALL, and a DO block that commits: PostgreSQL refuses both inside the run's transaction (exit 2, 2D000)", async () => {
    const what = shape === AS_MIGRATION ? 'migration failed' : 'seed SQL failed';
    for (const [sql, at] of [
      ['create procedure public.sneak() language plpgsql as $$ begin update public.accounts set balance = 2 where id = 1; commit; end $$;\ncall public.sneak();', '4:1'],
      ['do $$ begin update public.accounts set balance = 3 where id = 1; commit; end $$;', '3:1'],
    ] as const) {
      const dir = await writeProject({ [shape.file]: PAYLOAD + sql, 'rls-matrix.yaml': shape.matrix });
      const { code, stderr } = await run(['run', dir, '--url', url(), shape.flag, '--reporter', 'none']);
      expect(stderr).toContain(`${what}: invalid transaction termination at ${dir}/${shape.file}:${at}\n  SQLSTATE 2D000`);
      expect(code).toBe(2);
      await expectStagingUnchanged();
    }
  });
});

describe('--provider url: SQL written in the matrix', () => {
  const matrix = (scope: string, value: string) => `version: 1
tables:
  public.accounts:
    scopes:
      mine: ${JSON.stringify(scope)}
    rows:
      mine: { id: 2, balance: ${JSON.stringify(value)} }
    expect:
      alice: { select: { mine: allow }, insert: { mine: allow } }
personas:
  alice: { role: authenticated }
`;

  it('a scope or a row value smuggling "; commit" is not one expression: exit 2 at its matrix line, before anything runs', async () => {
    const dir = await writeProject({ 'rls-matrix.yaml': matrix('true); commit; select (true', '= 1); commit; select (1') });
    const { code, stderr } = await cli(['run', dir, '--url', url(), '--reporter', 'none']);
    expect(stderr).toBe(
      `rls-matrix: the matrix has 2 problems:\n` +
        `  scope tables.public.accounts.scopes.mine is not one SQL expression: it holds 3 statements (a ';' ends the statement it is put in) at ${dir}/rls-matrix.yaml:5:7\n` +
        `  the SQL value tables.public.accounts.rows.mine.balance is not one SQL expression: it holds 3 statements (a ';' ends the statement it is put in) at ${dir}/rls-matrix.yaml:7:22\n`,
    );
    expect(code).toBe(2);
    await expectStagingUnchanged();
  });

  it("a scope calling lo_export is refused on someone else's database (exit 2)", async () => {
    const written = serverFile();
    const dir = await writeProject({ 'rls-matrix.yaml': matrix(`lo_export(lo_from_bytea(0, 'x'), '${written}') > 0`, '5') });
    const { code, stderr } = await cli(['run', dir, '--url', url(), '--reporter', 'none']);
    expect(stderr).toContain(
      `rls-matrix: ${dir}/rls-matrix.yaml:5:7: the matrix's SQL 'lo_export(lo_from_bytea(0, 'x'), '${written}') > 0' calls lo_export() (it reads or writes the database server's files): --provider url refuses it`,
    );
    expect(code).toBe(2);
    expect(existsSync(written)).toBe(false);
    await expectStagingUnchanged();
  });
});

describe('--provider url: migrations that belong there', () => {
  it('runs a migration whose function body has a digit in its dollar tag ($body1$), and leaves staging unchanged', async () => {
    const dir = await writeProject({
      'schema.sql': `create function public.balance_of(_id int) returns int language plpgsql stable as $body1$
begin
  -- a comment; with a semicolon
  return coalesce((select balance from public.accounts where id = _id), 0);
end;
$body1$;
grant execute on function public.balance_of(int) to authenticated;
`,
      'rls-matrix.yaml': `version: 1
database: { migrations: schema.sql }
functions:
  public.balance_of:
    args: { _id: 1 }
    expect: { alice: allow }
personas:
  alice: { role: authenticated }
`,
    });
    const { code, stdout, stderr } = await cli(['run', dir, '--url', url(), '--apply-migrations', '--reporter', 'none']);
    expect(stderr).toBe('');
    expect(stdout).toContain('PASS 1 cells: 1 passed, 0 failed, 0 errors');
    expect(code).toBe(0);
    await expectStagingUnchanged();
  });

  it('names a failing statement after a comment at its own line, with the statement (not the comment) as the excerpt', async () => {
    const dir = await writeProject({
      'schema.sql': `create table public.projects (id int primary key);\n\n-- tasks\n  create table public.tasks (project int references public.nope (id));\n`,
      'rls-matrix.yaml': AS_MIGRATION.matrix,
    });
    const { code, stderr } = await cli(['run', dir, '--url', url(), '--apply-migrations', '--reporter', 'none']);
    expect(stderr).toBe(
      `rls-matrix: migration failed: relation "public.nope" does not exist at ${dir}/schema.sql:4:3\n  SQLSTATE 42P01\n  SQL: create table public.tasks (project int references public.nope (id))\n`,
    );
    expect(code).toBe(2);
    await expectStagingUnchanged();
  });
});

describe('--provider url: setup statements are bounded', () => {
  it('stops a migration that sleeps at --setup-timeout, even after it lifts statement_timeout (exit 3, with its location)', async () => {
    const dir = await writeProject({ 'schema.sql': 'set statement_timeout = 0;\nselect pg_sleep(600);\n', 'rls-matrix.yaml': AS_MIGRATION.matrix });
    const { code, stderr, ms } = await cli(['run', dir, '--url', url(), '--apply-migrations', '--setup-timeout', '1000', '--reporter', 'none']);
    expect(stderr).toContain(`rls-matrix: migration failed: canceling statement due to statement timeout at ${dir}/schema.sql:2:1\n  SQLSTATE 57014\n  SQL: select pg_sleep(600)\n`);
    expect(stderr).toContain('this setup statement ran longer than --setup-timeout (1000 ms) and was cancelled: make it faster, or raise --setup-timeout');
    expect(code).toBe(3);
    expect(ms).toBeLessThan(60_000);
    await expectStagingUnchanged();
  });

  it('gives up on a lock another session holds (lock_timeout), naming the statement (exit 3)', async () => {
    const holder = new pg.Client({ ...server.connection, database: 'staging' });
    await holder.connect();
    try {
      await holder.query('begin; lock table public.accounts in access exclusive mode');
      const dir = await writeProject({ 'schema.sql': 'create table public.audit (id int);\nalter table public.accounts add column note text;\n', 'rls-matrix.yaml': AS_MIGRATION.matrix });
      const { code, stderr } = await cli(['run', dir, '--url', url(), '--apply-migrations', '--setup-timeout', '3000', '--reporter', 'none']);
      expect(stderr).toContain(
        `rls-matrix: migration failed: canceling statement due to lock timeout at ${dir}/schema.sql:2:1\n  SQLSTATE 55P03\n  SQL: alter table public.accounts add column note text\n`,
      );
      expect(stderr).toContain('this setup statement waited longer than 1500 ms for a lock that another session on that database holds, and was cancelled');
      expect(code).toBe(3);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
    await expectStagingUnchanged();
  });
});

/** The run stops with exit 3 after cell public.t/alice/select/*, saying how the transaction changed. */
function expectEnded(error: unknown, how: RegExp): void {
  expect(error).toBeInstanceOf(HarnessError);
  const ended = error as HarnessError;
  expect(ended.code).toBe('ERR_TRANSACTION_ENDED');
  expect(ended.exitCode).toBe(3);
  expect(ended.message).toMatch(how);
  expect(ended.message).toContain('no longer the one it began, after cell public.t/alice/select/*');
}

/** SQL sent past the parser that ends the run's transaction and begins another, and what the check says about it. */
const ENDED_AND_BEGUN = [
  ['commit; begin', /the mark set at its start is gone/],
  ['commit and chain', /the mark set at its start is gone/],
  // A mark copied into the session outlives the transaction: the start time still tells them apart.
  [`select set_config('rls_matrix.transaction', current_setting('rls_matrix.transaction'), false); commit; begin`, /it started at .*, not /],
] as const;

describe('--provider url: defence in depth below the parser', () => {
  it('refuses transaction control when a SQL file runs on the workspace, whoever runs it (not only in the check before the run)', async () => {
    const workspace = await openWorkspace({ connection: { ...server.connection, database: 'scratch_hooks' }, isolation: 'transaction', stop: async () => undefined }, 'hooks');
    try {
      const dir = await writeProject({ 'late.sql': 'select 1;\n  commit;\n' });
      const error = await runSqlFiles(workspace.client, [join(dir, 'late.sql')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('ERR_TRANSACTION_CONTROL');
      expect((error as HarnessError).message).toContain(`${dir}/late.sql:2:3 has 'commit'`);
    } finally {
      await workspace.close();
    }
  });

  it('stops with exit 3 when the transaction is no longer the one the run began (ended, or ended and begun again)', async () => {
    const database = { connection: { ...server.connection, database: 'scratch_ended' }, isolation: 'transaction' as const, stop: async () => undefined };
    for (const [bypass, how] of [...ENDED_AND_BEGUN, ['commit', /PostgreSQL reports that no transaction is open/]] as const) {
      const workspace = await openWorkspace(database, 'ended');
      try {
        await workspace.verifyTransaction!('a first cell');
        // Sent past the parser on purpose: the check must notice what the parser would have refused.
        await workspace.client.query(bypass);
        expectEnded(await workspace.verifyTransaction!('cell public.t/alice/select/*').catch((e: unknown) => e), how);
      } finally {
        await workspace.close();
      }
    }
  });

  it('a cell run on the pipelined connection after the transaction ended stops the run with exit 3, from the check in its own rollback message', async () => {
    const database = { connection: { ...server.connection, database: 'scratch_ended' }, isolation: 'transaction' as const, stop: async () => undefined };
    // The smallest plan the executor takes: one select cell counting one row.
    const plan = {
      cell: { id: 'public.t/alice/select/*' },
      setup: 'select 1',
      statement: 'select count(*)::int as rows from (select 1) as cell',
      countFrom: 'select',
      targetRows: 1,
    } as unknown as CellPlan;
    // No transaction at all: the cell's SAVEPOINT is refused, and so is its rollback.
    for (const [bypass, how] of [...ENDED_AND_BEGUN, ['commit', /the rollback to the cell's savepoint failed \(.*can only be used in transaction blocks\)/]] as const) {
      const workspace = await openWorkspace(database, 'ended');
      try {
        const worker = await workspace.connectWorker(5000);
        expect(worker.pipelined).toBe(true);
        expect(await executeCell(worker, plan)).toEqual({ rows: 1, targetRows: 1 });
        await workspace.client.query(bypass);
        expectEnded(await executeCell(worker, plan).catch((e: unknown) => e), how);
      } finally {
        await workspace.close();
      }
    }
  });

  it('puts back the settings the server lexes with (standard_conforming_strings, client_encoding) and the setup bounds after a migration changes them', async () => {
    const workspace = await openWorkspace({ connection: { ...server.connection, database: 'scratch_hooks' }, isolation: 'transaction', stop: async () => undefined }, 'lexing');
    try {
      const dir = await writeProject({ 'lexing.sql': `set standard_conforming_strings = off;\nset client_encoding = 'SJIS';\nselect set_config('statement_timeout', '0', false);\n` });
      await workspace.migrate([join(dir, 'lexing.sql')]);
      const { rows } = await workspace.client.query('select current_setting($1) as scs, current_setting($2) as encoding, current_setting($3) as timeout', [
        'standard_conforming_strings',
        'client_encoding',
        'statement_timeout',
      ]);
      expect(rows[0]).toEqual({ scs: 'on', encoding: 'UTF8', timeout: '2min' });
    } finally {
      await workspace.close();
    }
  });

  it('sends each statement alone: the extended protocol makes PostgreSQL refuse a second one in the same message', async () => {
    await withClient(server.connection, 'staging', async (client) => {
      const error = (await queryOneStatement(client, 'select 1; update public.accounts set balance = 5 where id = 1').catch((e: unknown) => e)) as { code?: string; message: string };
      expect(error.code).toBe('42601');
      expect(error.message).toBe('cannot insert multiple commands into a prepared statement');
    });
    await expectStagingUnchanged();
  });
});
