import { isAbsolute, relative } from 'node:path';
import type { Node } from 'libpg-query';
import { formatLocation, HarnessError } from '../core/index.js';
import { readSqlScript } from '../fixtures/index.js';
import { expressionTree, type LoadedMatrix, nameList, scanTokens, sqlFragments, type SqlStatement, stringConstant, type TreeNode, treeNodes } from '../matrix/index.js';

/**
 * Refuses, before anything runs on someone else's database, what could leave a trace there:
 * migrations without an explicit decision (`applyMigrations` undefined: the target may already
 * have them, or they may be the candidate under review); migration or fixture SQL that PostgreSQL's
 * parser finds transaction control in, or anything else no rollback undoes (see `escapeReason`);
 * and matrix SQL (scopes, `= expr` values) calling such functions. Exit code 2, with file:line.
 * The same statements are checked again as they run (the workspace's SQL file hooks), so a file
 * changed in between cannot slip through.
 *
 * @example
 * await assertSafeForTransaction(matrix, options.applyMigrations);
 */
export async function assertSafeForTransaction(matrix: LoadedMatrix, applyMigrations: boolean | undefined): Promise<void> {
  const migrations = matrix.database.migrations;
  if (migrations.length && applyMigrations === undefined) {
    throw new HarnessError(
      'ERR_MIGRATIONS_NEED_FLAG',
      `the matrix ${shownPath(matrix.file)} names ${migrations.length} migration file(s), and --provider url runs against an existing database: ` +
        `pass --apply-migrations to apply them inside the transaction that is rolled back (a candidate migration under review), ` +
        `--no-apply-migrations if the database already has them, or remove database.migrations from the matrix`,
    );
  }
  const files = [
    ...(applyMigrations ? migrations.map((file) => [file, 'ERR_MIGRATION_FAILED'] as const) : []),
    ...[...matrix.fixtures.sql, ...matrix.fixtures.sqlAfterUsers].map((file) => [file, 'ERR_SEED_SQL_FAILED'] as const),
  ];
  for (const [file, code] of files) {
    for (const statement of (await readSqlScript(file, code)).statements) refuseEscapingStatement(statement, file);
  }
  for (const { sql, path } of sqlFragments(matrix)) {
    const tree = expressionTree(sql);
    const reason = tree && escapeReason(tree);
    if (reason) {
      throw new HarnessError(
        'ERR_ESCAPES_TRANSACTION',
        `${formatLocation(matrix.locate(path))}: the matrix's SQL '${excerpt(sql)}' ${reason}: --provider url refuses it (nothing was committed); remove it, or run against a server of our own (--provider embedded)`,
      );
    }
  }
}

/**
 * Throws (exit 2) when a statement of a SQL file must not run inside the one transaction of a
 * `--provider url` run, naming file:line:column, the statement, why, and what to do.
 */
export function refuseEscapingStatement(statement: SqlStatement, file: string): void {
  const reason = escapeReason(statement.tree);
  if (!reason) return;
  const where = `${shownPath(file)}:${statement.line}:${statement.column}`;
  if ('TransactionStmt' in statement.tree) {
    throw new HarnessError(
      'ERR_TRANSACTION_CONTROL',
      `${where} has '${excerpt(statement.sql)}', which would commit or end the transaction a --provider url run is rolled back in: ` +
        `remove the transaction control from that file (each file already runs inside that transaction), or run it against a server of our own (--provider embedded). Nothing was committed.`,
    );
  }
  throw new HarnessError(
    'ERR_ESCAPES_TRANSACTION',
    `${where} has '${excerpt(statement.sql)}', which ${reason}: --provider url refuses it. Remove it from that file, or run it against a server of our own (--provider embedded). Nothing was committed.`,
  );
}

/**
 * Why a statement (or an expression) could change the database or the server beyond the one
 * transaction a `--provider url` run rolls back, or undefined. Every node of the parse tree is
 * looked at, and the bodies of functions and DO blocks written in SQL or PL/pgSQL are scanned
 * for calls too (also inside their string constants, as in `execute 'select lo_export(…)'`).
 * What a body builds at run time (`'lo_' || 'export'`), and functions that already exist on the
 * target, cannot be seen: those escapes are left to privileges (see the README: connect as a
 * role that is not a superuser).
 */
export function escapeReason(tree: Node): string | undefined {
  for (const node of treeNodes(tree)) {
    const reason = nodeReason(node);
    if (reason) return reason;
  }
  return undefined;
}

function nodeReason({ type, fields }: TreeNode): string | undefined {
  switch (type) {
    case 'TransactionStmt':
      return 'is transaction control (it would commit, end or nest the transaction everything runs in)';
    case 'CopyStmt':
      if (fields.is_program) return 'runs a program on the database server (COPY … PROGRAM)';
      if (fields.filename) return 'reads or writes a file on the database server (COPY … TO/FROM a file)';
      return undefined;
    case 'AlterSeqStmt':
      return definitions(fields.options).has('restart') ? 'restarts a sequence, which no rollback undoes (ALTER SEQUENCE … RESTART)' : undefined;
    case 'LoadStmt':
      return 'loads a shared library into the server process (LOAD)';
    case 'FuncCall':
      return functionReason(nameList(fields.funcname).at(-1) ?? '');
    case 'CreateFunctionStmt':
      return bodyReason(definitions(fields.options));
    case 'DoStmt':
      return bodyReason(definitions(fields.args));
    default:
      return undefined;
  }
}

const OWN_CONNECTION = 'opens a connection of its own, which commits by itself';
const NOT_ROLLED_BACK = 'changes server state that no rollback undoes';
const SERVER_FILES = "reads or writes the database server's files";
const SERVER_CONTROL = 'acts on the server or on other sessions, outside any transaction';

/**
 * Functions that reach beyond the transaction, researched in PostgreSQL's "System Administration
 * Functions", "Sequence Manipulation Functions", "Large Objects" (server-side functions) chapters
 * and the dblink, adminpack and pg_stat_statements modules. Left out on purpose: nextval (it only
 * advances, and every INSERT into a serial column calls it; sequence positions are the one thing a
 * rolled-back run moves), advisory locks (released when the run's session ends), pg_notify
 * (delivered only on commit), set_config (transactional), pg_sleep (bounded by --setup-timeout).
 */
const ESCAPING_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  // Never rolled back, by PostgreSQL's documentation.
  ['setval', `sets a sequence's position, which no rollback undoes`],
  ['pg_logical_emit_message', NOT_ROLLED_BACK],
  ['pg_create_physical_replication_slot', NOT_ROLLED_BACK],
  ['pg_create_logical_replication_slot', NOT_ROLLED_BACK],
  ['pg_drop_replication_slot', NOT_ROLLED_BACK],
  ['pg_copy_physical_replication_slot', NOT_ROLLED_BACK],
  ['pg_copy_logical_replication_slot', NOT_ROLLED_BACK],
  ['pg_replication_slot_advance', NOT_ROLLED_BACK],
  ['pg_sync_replication_slots', NOT_ROLLED_BACK],
  ['pg_stat_statements_reset', NOT_ROLLED_BACK],
  // Server-side large objects and generic file access (superuser or pg_read/write_server_files).
  ['lo_import', SERVER_FILES],
  ['lo_export', SERVER_FILES],
  ['pg_read_file', SERVER_FILES],
  ['pg_read_binary_file', SERVER_FILES],
  ['pg_stat_file', SERVER_FILES],
  ['pg_file_write', SERVER_FILES],
  ['pg_file_rename', SERVER_FILES],
  ['pg_file_unlink', SERVER_FILES],
  ['pg_file_sync', SERVER_FILES],
  ['pg_logdir_ls', SERVER_FILES],
  // Signals, WAL, backups and recovery: the whole server or other sessions.
  ['pg_cancel_backend', SERVER_CONTROL],
  ['pg_terminate_backend', SERVER_CONTROL],
  ['pg_reload_conf', SERVER_CONTROL],
  ['pg_rotate_logfile', SERVER_CONTROL],
  ['pg_switch_wal', SERVER_CONTROL],
  ['pg_switch_xlog', SERVER_CONTROL],
  ['pg_create_restore_point', SERVER_CONTROL],
  ['pg_backup_start', SERVER_CONTROL],
  ['pg_backup_stop', SERVER_CONTROL],
  ['pg_start_backup', SERVER_CONTROL],
  ['pg_stop_backup', SERVER_CONTROL],
  ['pg_promote', SERVER_CONTROL],
  ['pg_wal_replay_pause', SERVER_CONTROL],
  ['pg_wal_replay_resume', SERVER_CONTROL],
]);

/** Families named by prefix: every dblink function, replication origins and logical slots, statistics resets, pg_ls_*dir. */
const ESCAPING_PREFIXES: readonly (readonly [string, string])[] = [
  ['dblink', OWN_CONNECTION],
  ['pg_background_', OWN_CONNECTION],
  ['pg_replication_origin_', NOT_ROLLED_BACK],
  ['pg_logical_slot_', NOT_ROLLED_BACK],
  ['pg_stat_reset', NOT_ROLLED_BACK],
  ['pg_ls_', SERVER_FILES],
];

function functionReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  const reason = ESCAPING_FUNCTIONS.get(lower) ?? ESCAPING_PREFIXES.find(([prefix]) => lower.startsWith(prefix))?.[1];
  return reason && `calls ${name}() (it ${reason})`;
}

/** Languages whose functions can do anything the server's operating-system user can: C, and the untrusted PLs (plpython3u, plperlu, pltclu). */
function isUnrestrictedLanguage(language: string): boolean {
  return language === 'c' || language === 'internal' || /^pl.*u$/.test(language);
}

/** A CREATE FUNCTION's or DO block's body: refused in an unrestricted language, scanned for escaping calls in SQL and PL/pgSQL. */
function bodyReason(options: Map<string, unknown>): string | undefined {
  const language = (stringValue(options.get('language')) ?? 'plpgsql').toLowerCase();
  if (isUnrestrictedLanguage(language)) return `is written in ${language} (code in it can open connections and write files that no rollback undoes)`;
  if (language !== 'sql' && language !== 'plpgsql') return undefined;
  const as = options.get('as') as { List?: { items?: unknown[] } } | undefined;
  const bodies = as?.List ? (as.List.items ?? []).map(stringValue) : [stringValue(as)];
  for (const body of bodies) {
    const called = body === undefined ? undefined : calledIn(body, STRING_DEPTH).find((name) => functionReason(name));
    if (called) return functionReason(called);
  }
  return undefined;
}

/** How deep string constants inside a body are scanned as SQL again (`execute 'select …'`, `format('…')`). */
const STRING_DEPTH = 3;

/** Names written as calls (`name(`) in SQL or PL/pgSQL text, and in its string constants down to `depth`. */
function calledIn(text: string, depth: number): string[] {
  let tokens: ReturnType<typeof scanTokens>;
  try {
    tokens = scanTokens(text);
  } catch {
    return [];
  }
  const names: string[] = [];
  tokens.forEach((token, i) => {
    if (token.name === 'IDENT' && tokens[i + 1]?.name === 'ASCII_40') names.push(token.text.startsWith('"') ? token.text.slice(1, -1).replace(/""/g, '"') : token.text.toLowerCase());
    else if ((token.name === 'SCONST' || token.name === 'USCONST') && depth > 0) {
      const value = stringConstant(token.text);
      if (value) names.push(...calledIn(value, depth - 1));
    }
  });
  return names;
}

/** DefElem options by name. */
function definitions(list: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const item of Array.isArray(list) ? list : []) {
    const def = (item as { DefElem?: { defname?: string; arg?: unknown } }).DefElem;
    if (def?.defname) map.set(def.defname, def.arg);
  }
  return map;
}

function stringValue(node: unknown): string | undefined {
  return (node as { String?: { sval?: string } } | undefined)?.String?.sval;
}

function excerpt(sql: string): string {
  const line = sql.split('\n')[0]!.trim();
  return line.length > 80 ? `${line.slice(0, 80)}…` : line;
}

/** A file as messages show it: relative to the working directory when inside it, else absolute. */
export function shownPath(file: string): string {
  const path = relative(process.cwd(), file);
  return path && !path.startsWith('..') && !isAbsolute(path) ? path : file;
}
