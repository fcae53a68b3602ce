import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeProject } from './helpers.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'bin/rls-matrix.js');

/** Runs the installed command line as a user would (the built bin), never throwing on exit codes. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: 'true', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);

describe('rls-matrix run: exit codes', () => {
  it('0 when every cell holds: the LMS example, with reports written', async () => {
    const out = await mkdtemp(join(tmpdir(), 'rls-matrix-out-'));
    const { code, stdout } = await cli(['run', 'examples/lms', '--out', out, '--reporter', 'junit,json']);
    expect(stdout).toMatch(/PASS \d+ cells: (\d+) passed, 0 failed, 0 errors/);
    expect(code).toBe(0);
    expect(existsSync(join(out, 'junit.xml'))).toBe(true);
    expect(existsSync(join(out, 'results.json'))).toBe(true);
  });

  it('1 on a mismatch, naming each failing cell and where its verdict is written', async () => {
    const { code, stdout } = await cli(['run', 'test/projects/planted-bugs', '--reporter', 'none']);
    expect(code).toBe(1);
    expect(stdout).toContain('✗ FAIL  public.documents · alice · hand_over · own → expected deny, observed allowed (1 of 1 rows) at test/projects/planted-bugs/rls-matrix.yaml:');
    expect(stdout).toMatch(/FAIL 60 cells: 46 passed, 14 failed, 0 errors/);
  });

  it('2 on a bad matrix, with file:line:column and no stack trace', async () => {
    const dir = await writeProject({ 'rls-matrix.yaml': 'version: 1\npersonas:\n  alice: { role: authenticated }\ntables:\n  public.x:\n    expect:\n      alcie: deny\n' });
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown persona 'alcie' at ${dir}/rls-matrix.yaml:7:7 — did you mean 'alice'?`);
    noStackTrace(stderr);
  });

  it('2 on a table the database does not have, with the nearest name', async () => {
    const dir = await writeProject({
      'schema.sql': 'create table public.notes (id int primary key);',
      'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: schema.sql }\npersonas:\n  anon: { role: anon }\ntables:\n  public.note:\n    expect:\n      anon: deny\n',
    });
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain(`unknown table 'public.note' (not in the database after migrations) at ${dir}/rls-matrix.yaml:6:3 — did you mean 'public.notes'?`);
  });

  it('2 on a failing migration, with file:line and SQLSTATE', async () => {
    const dir = await writeProject({
      'migrations/001.sql': 'create table public.a (id int primary key);\n',
      'migrations/002.sql': 'create table public.b (\n  id int primary key,\n  a_id int references public.nope (id)\n);\n',
      'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: migrations }\npersonas:\n  anon: { role: anon }\n',
    });
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain(`migration failed: relation "public.nope" does not exist at ${dir}/migrations/002.sql:1:1`);
    expect(stderr).toContain('SQLSTATE 42P01');
    noStackTrace(stderr);
  });

  it('2 on a migration that is not UTF-8 text, at its file:line, before any of it runs', async () => {
    const dir = await writeProject({
      'migrations/001.sql': 'create table public.a (id int primary key);\n',
      'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: migrations }\npersonas:\n  anon: { role: anon }\ntables:\n  public.a: { expect: { anon: deny } }\n',
    });
    // Latin-1 'é' (0xE9) where UTF-8 was expected: applied with U+FFFD in its place before.
    await writeFile(
      join(dir, 'migrations/002.sql'),
      Buffer.concat([Buffer.from('create table public.b (id int primary key);\ninsert into public.b values (1); -- caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
    );
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(stderr).toBe(
      `rls-matrix: migration failed: 002.sql is not valid UTF-8 (0xE9 0x0A is no character), which PostgreSQL refuses: save the file as UTF-8 (e.g. iconv -f LATIN1 -t UTF-8) (nothing of this file ran) at ${dir}/migrations/002.sql:2:40\n`,
    );
    expect(code).toBe(2);
    // A binary file is said to be one, not printed.
    await writeFile(join(dir, 'migrations/002.sql'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array(2000).fill(7)]));
    const binary = await cli(['run', dir, '--reporter', 'none']);
    expect(binary.stderr).toBe(
      `rls-matrix: migration failed: 002.sql is not a text file (it holds a NUL byte, which no SQL text can): is it the right file? (nothing of this file ran) at ${dir}/migrations/002.sql:1:8\n`,
    );
    expect(binary.code).toBe(2);
  });

  it('2 on a failing fixture row, naming the table, the row, the SQL and the SQLSTATE', async () => {
    const dir = await writeProject({
      'schema.sql': 'create table public.notes (id int primary key, n int not null check (n > 0));',
      'rls-matrix.yaml':
        'version: 1\ndatabase: { migrations: schema.sql }\nfixtures:\n  rows:\n    public.notes:\n      - { id: 1, n: 1 }\n      - { id: 2, n: -1 }\npersonas:\n  anon: { role: anon }\n',
    });
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain(`seeding public.notes row 2 failed: new row for relation "notes" violates check constraint "notes_n_check" at ${dir}/rls-matrix.yaml:7:9`);
    expect(stderr).toContain('SQLSTATE 23514');
    expect(stderr).toContain('SQL: insert into "public"."notes" ("id", "n") values ($1::integer, $2::integer) -- [2,-1]');
  });

  it('2 on a scope whose SQL fails, naming the scope, the persona, file:line and SQLSTATE', async () => {
    const dir = await writeProject({
      'schema.sql': 'create table public.n (id int primary key, o uuid);',
      'rls-matrix.yaml':
        'version: 1\ndatabase: { migrations: schema.sql }\nfixtures: { rows: { public.n: [{ id: 1 }] } }\npersonas: { alice: { role: authenticated } }\ntables:\n  public.n:\n    scopes: { own: "ownr = auth.uid()" }\n    expect: { alice: { select: { own: allow } } }\n',
    });
    const { code, stderr } = await cli(['run', dir, '--reporter', 'none']);
    expect(code).toBe(2);
    expect(stderr).toContain(`scope 'own' of public.n failed for persona alice at ${dir}/rls-matrix.yaml:7:15: column "ownr" does not exist (SQLSTATE 42703)`);
    noStackTrace(stderr);
  });

  it('3 when the infrastructure fails, saying what to do next', async () => {
    const { code, stderr } = await cli(['run', 'examples/lms', '--reporter', 'none'], { TMPDIR: '/nonexistent/rls-matrix' });
    expect(code).toBe(3);
    expect(stderr).toContain('cannot create a temporary directory for PostgreSQL in /nonexistent/rls-matrix');
    expect(stderr).toContain('point TMPDIR at a writable directory');
    noStackTrace(stderr);
  });

  it('2 on an unknown option value', async () => {
    const { code, stderr } = await cli(['run', 'examples/lms', '--workers', 'many']);
    expect(code).toBe(2);
    expect(stderr).toContain('expected a positive integer');
  });

  it('2 on a timeout beyond what PostgreSQL and Node accept, before anything starts', async () => {
    for (const [flag, value] of [
      ['--timeout', '2147483648'],
      ['--timeout', '2147483647'],
      ['--timeout', '1e20'],
      ['--timeout', '0'],
      ['--timeout', '1.5'],
      ['--setup-timeout', '99999999999'],
      ['--setup-timeout', '86400001'],
    ]) {
      for (const command of ['run', 'mutate']) {
        const { code, stdout, stderr } = await cli([command, 'examples/lms', flag!, value!, '--reporter', 'none']);
        expect([command, flag, value, code]).toEqual([command, flag, value, 2]);
        expect(stderr).toContain(`error: option '${flag} <ms>' argument '${value}' is invalid. expected a whole number of milliseconds from 1 to 86400000 (24 hours)`);
        expect(stdout).toBe('');
      }
    }
  });
});
