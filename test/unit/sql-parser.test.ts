import { beforeAll, describe, expect, it } from 'vitest';
import { escapeReason } from '../../database/url-guards.js';
import { expressionProblem } from '../../matrix/sql-fragments.js';
import { lineColumn, loadSqlParser, parseScript, SqlSyntaxError } from '../../matrix/sql-parser.js';

// No database here: PostgreSQL's own parser (libpg-query, WebAssembly) decides what a script's
// statements are, where each starts, and what its parse tree says.
beforeAll(() => loadSqlParser());

const split = (text: string) => parseScript(text).map(({ sql, line, column }) => [sql, `${line}:${column}`]);
const kinds = (text: string) => parseScript(text).map(({ tree }) => Object.keys(tree)[0]);

describe('parseScript', () => {
  it('splits where PostgreSQL does, whatever the quoting hides (the forms that fooled the hand-written splitter)', () => {
    expect(split(`select 'begin atomic';\ncommit;`)).toEqual([
      [`select 'begin atomic'`, '1:1'],
      ['commit', '2:1'],
    ]);
    expect(split(`select E'\\''; commit; select 1`)).toEqual([
      [`select E'\\''`, '1:1'],
      ['commit', '1:15'],
      ['select 1', '1:23'],
    ]);
    expect(split(`select 1 as a$b$; commit;\nselect 1 as c$b$;`)).toEqual([
      ['select 1 as a$b$', '1:1'],
      ['commit', '1:19'],
      ['select 1 as c$b$', '2:1'],
    ]);
    expect(split(`select $a1$ ' $a1$; commit; select 1`)).toEqual([
      [`select $a1$ ' $a1$`, '1:1'],
      ['commit', '1:21'],
      ['select 1', '1:29'],
    ]);
    expect(split(`/* /* */ */ commit; select 1`)).toEqual([
      ['commit', '1:13'],
      ['select 1', '1:21'],
    ]);
    expect(split(`select U&'d\\0061t\\+000061'; end transaction`)).toEqual([
      [`select U&'d\\0061t\\+000061'`, '1:1'],
      ['end transaction', '1:29'],
    ]);
  });

  it('keeps a dollar-quoted body with a digit in its tag, and BEGIN ATOMIC bodies, as one statement', () => {
    const body = `create function public.one() returns int language plpgsql as $body1$\nbegin\n  return 1;\nend;\n$body1$;\nselect public.one();`;
    expect(kinds(body)).toEqual(['CreateFunctionStmt', 'SelectStmt']);
    expect(parseScript(body)[1]).toMatchObject({ sql: 'select public.one()', line: 6, column: 1 });
    expect(kinds(`create function two() returns int language sql begin atomic select 1; select 2; end;\nselect two();`)).toEqual(['CreateFunctionStmt', 'SelectStmt']);
  });

  it('locates a statement at its first token, not at a comment before it, in characters (not bytes) on its line', () => {
    const script = `-- tasks\ncreate table t (id int);\n\n/* é 😀 */ -- more\n  insert into t values ('😀'); -- trailing\n`;
    const [, insert] = parseScript(script);
    expect(insert).toMatchObject({ sql: `insert into t values ('😀')`, line: 5, column: 3 });
    expect(script.slice(insert!.offset, insert!.offset + 6)).toBe('insert');
    expect(parseScript(`select 'é';\n  select 2`)[1]).toMatchObject({ line: 2, column: 3, offset: 14 });
  });

  it('gives nothing for empty scripts and scripts of comments and semicolons', () => {
    expect(parseScript('')).toEqual([]);
    expect(parseScript('  -- nothing\n/* at all */ ;;\n')).toEqual([]);
  });

  it('refuses what PostgreSQL refuses, with its message and where it points', () => {
    const error = (() => {
      try {
        parseScript(`select 'é';\nselect from where;`);
      } catch (e) {
        return e;
      }
    })() as SqlSyntaxError;
    expect(error).toBeInstanceOf(SqlSyntaxError);
    expect(error.message).toBe('syntax error at or near "where"');
    expect([error.line, error.column]).toEqual([2, 13]);
    expect(() => parseScript(`select $a$ never closed`)).toThrow(/unterminated dollar-quoted string/);
    expect(() => parseScript(`/* /* */ commit;`)).toThrow(/unterminated \/\* comment/);
  });

  it('computes 1-based lines and columns', () => {
    expect(lineColumn('a\nbc\nd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('a\nbc\nd', 3)).toEqual({ line: 2, column: 2 });
    expect(lineColumn('a\nbc\nd', 5)).toEqual({ line: 3, column: 1 });
  });
});

describe('escapeReason (what --provider url refuses)', () => {
  const reason = (sql: string) => parseScript(sql).map((s) => escapeReason(s.tree) ?? 'ok');

  it('refuses every form of transaction control', () => {
    for (const sql of [
      'begin',
      'start transaction isolation level serializable',
      'commit',
      'commit and chain',
      'end transaction',
      'end',
      'rollback',
      'abort',
      'rollback and chain',
      `prepare transaction 'x'`,
      `commit prepared 'x'`,
      `rollback prepared 'x'`,
      'savepoint a',
      'release a',
      'release savepoint a',
      'rollback to savepoint a',
      'rollback to a',
    ]) {
      expect(reason(sql), sql).toEqual([expect.stringContaining('is transaction control')]);
    }
  });

  it('refuses COPY with a server file or a program, not COPY from the client', () => {
    expect(reason(`copy public.t to '/tmp/out'`)).toEqual([expect.stringContaining('reads or writes a file on the database server')]);
    expect(reason(`copy public.t from '/etc/passwd'`)).toEqual([expect.stringContaining('reads or writes a file on the database server')]);
    expect(reason(`copy (select 1) to program 'cat > /tmp/x'`)).toEqual([expect.stringContaining('runs a program on the database server')]);
    expect(reason(`copy public.t from stdin`)).toEqual(['ok']);
    expect(reason(`copy public.t to stdout`)).toEqual(['ok']);
  });

  it('refuses calls anywhere in the tree, and in SQL and PL/pgSQL bodies and their strings', () => {
    expect(reason(`select lo_export(1, '/tmp/x')`)).toEqual(["calls lo_export() (it reads or writes the database server's files)"]);
    expect(reason(`select pg_catalog.setval('s', 1)`)).toEqual([expect.stringContaining('calls setval()')]);
    expect(reason(`create table t (x int default (dblink_exec('c', 'insert into x values (1)')))`)).toEqual([expect.stringContaining('calls dblink_exec() (it opens a connection of its own')]);
    expect(reason(`insert into t select pg_terminate_backend(pid) from pg_stat_activity`)).toEqual([expect.stringContaining('calls pg_terminate_backend()')]);
    expect(reason(`select * from t where exists (select pg_reload_conf())`)).toEqual([expect.stringContaining('calls pg_reload_conf()')]);
    expect(reason(`do $$ begin perform pg_create_physical_replication_slot('s'); end $$`)).toEqual([expect.stringContaining('calls pg_create_physical_replication_slot()')]);
    expect(reason(`create function f() returns void language plpgsql as $f$ begin execute 'select "lo_import"(''/etc/passwd'')'; end $f$`)).toEqual([expect.stringContaining('calls lo_import()')]);
    expect(reason(`create function f() returns void language sql as 'select pg_stat_reset()'`)).toEqual([expect.stringContaining('calls pg_stat_reset()')]);
    expect(reason(`alter sequence s restart with 1`)).toEqual([expect.stringContaining('restarts a sequence')]);
    expect(reason(`load 'auto_explain'`)).toEqual([expect.stringContaining('loads a shared library')]);
    expect(reason(`create function f() returns int language plpython3u as $$ return 1 $$`)).toEqual([expect.stringContaining('is written in plpython3u')]);
    expect(reason(`create function f() returns int language c as 'lib', 'f'`)).toEqual([expect.stringContaining('is written in c')]);
  });

  it('lets ordinary migrations through: functions that merely mention the words, nextval, notify, set_config', () => {
    expect(
      reason(`create function f() returns void language plpgsql as $$ begin raise notice 'commit; lo_export'; commit; end $$;
              create table t (id serial primary key, note text default 'copy t to program');
              select nextval('t_id_seq'), pg_notify('c', 'x'), set_config('app.x', '1', true);
              create policy p on t using (note <> 'dblink_exec(');
              create function g() returns int language sql begin atomic select 1; end;`),
    ).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
  });
});

describe('expressionProblem (a matrix SQL fragment must be one expression)', () => {
  it('accepts expressions, subqueries and comments that end before the fragment does', () => {
    for (const sql of ['owner_id = auth.uid()', '(select id from public.minds where user_id = auth.uid() limit 1)', `$$a$$ = 'x'`, 'a = b -- mine\n', '/* mine */ a = b', `E'\\'' = x`]) {
      expect(expressionProblem(sql), sql).toBeUndefined();
    }
  });

  it('refuses what would end, extend or comment out the statement the harness puts it in', () => {
    expect(expressionProblem('true); commit; select (true')).toBe("it holds 3 statements (a ';' ends the statement it is put in)");
    expect(expressionProblem('1) from pg_class where (true')).toBe('it adds FROM, WHERE to the statement it is put in');
    expect(expressionProblem('1) union select (2')).toBe('it adds UNION/INTERSECT/EXCEPT to the statement it is put in');
    expect(expressionProblem('1) into t from (select 1) s where (true')).toBe('it adds INTO, FROM, WHERE to the statement it is put in');
    expect(expressionProblem('1), (2')).toBe('it is a list of 2 expressions, not one');
    expect(expressionProblem('x) is not null or (y')).toBe("it closes a parenthesis it did not open (the harness's own)");
    expect(expressionProblem('a = b -- mine')).toContain('a -- comment at its end swallows what the harness writes after it');
    expect(expressionProblem('a = b /* open')).toContain('unterminated /* comment');
    expect(expressionProblem(`x = '\\'' ); commit; --'`)).toBeUndefined(); // one string constant, as PostgreSQL reads it
  });
});
