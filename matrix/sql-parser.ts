import { loadModule, parseSync, scanSync, type Node, type ScanToken } from 'libpg-query';

/**
 * SQL as PostgreSQL itself reads it: `libpg-query` is PostgreSQL 18's own parser compiled to
 * WebAssembly, so quoting, dollar tags, nested comments, `U&'…'` and `E'…'` strings split a script
 * exactly where the server would. Nothing here talks to a database.
 */

let loading: Promise<void> | undefined;

/**
 * Loads the parser (WebAssembly, ~50 ms once per process). Every other function of this module
 * needs it loaded first; they are synchronous after that.
 *
 * @example
 * await loadSqlParser();
 * const statements = parseScript('create table t (id int); select 1;');
 */
export function loadSqlParser(): Promise<void> {
  loading ??= loadModule();
  return loading;
}

/** One statement of a script, as PostgreSQL's parser delimits it. */
export interface SqlStatement {
  /** The statement from its first token to its last: no comment before it, no `;` after it. */
  sql: string;
  /** 0-based index in the script of the statement's first token. */
  offset: number;
  /** 1-based line and column of the first token. */
  line: number;
  column: number;
  /** PostgreSQL's parse tree of the statement, e.g. `{ TransactionStmt: { kind: 'TRANS_STMT_COMMIT' } }`. */
  tree: Node;
}

/** The parser refused the text; `offset` is the 0-based index it pointed at. */
export class SqlSyntaxError extends Error {
  override name = 'SqlSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

/**
 * Splits a script into its statements with their parse trees and exact locations. Throws
 * SqlSyntaxError (with the parser's message and where it points) for text PostgreSQL would refuse.
 */
export function parseScript(text: string): SqlStatement[] {
  if (!text.trim()) return [];
  let raw: { stmt?: Node; stmt_location?: number; stmt_len?: number }[];
  try {
    raw = parseSync(text).stmts ?? [];
  } catch (error) {
    throw syntaxError(text, error);
  }
  // The parser counts bytes of UTF-8; the scanner finds the first and last real token of each
  // statement (PostgreSQL versions differ on whether a statement's location includes the comments before it).
  const index = byteIndex(text);
  const tokens = scanSync(text).tokens.filter((t) => !COMMENTS.has(t.tokenName));
  const bytes = Buffer.byteLength(text);
  const statements: SqlStatement[] = [];
  let t = 0;
  for (const { stmt, stmt_location: start = 0, stmt_len: length = 0 } of raw) {
    const end = length ? start + length : bytes;
    while (t < tokens.length && tokens[t]!.start < start) t++;
    const first = tokens[t];
    let last: ScanToken | undefined;
    for (; t < tokens.length && tokens[t]!.end <= end; t++) last = tokens[t];
    if (!stmt || !first || !last) continue;
    const offset = index(first.start);
    statements.push({ sql: text.slice(offset, index(last.end)), offset, ...lineColumn(text, offset), tree: stmt });
  }
  return statements;
}

const COMMENTS = new Set(['SQL_COMMENT', 'C_COMMENT']);

/** The tokens of a text (comments included, as SQL_COMMENT and C_COMMENT), with JS string offsets. */
export function scanTokens(text: string): { name: string; text: string; start: number; end: number }[] {
  const index = byteIndex(text);
  return scanSync(text).tokens.map((t) => ({ name: t.tokenName, text: t.text, start: index(t.start), end: index(t.end) }));
}

/** Parses text whose parse must succeed to mean anything (a fragment wrapped by the caller); throws SqlSyntaxError. */
export function parseStatements(text: string): Node[] {
  try {
    return (parseSync(text).stmts ?? []).flatMap((s) => (s.stmt ? [s.stmt] : []));
  } catch (error) {
    throw syntaxError(text, error);
  }
}

/** 1-based line and column of a 0-based index. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The index `characters` characters after `from`: PostgreSQL counts positions in characters (code
 * points), JavaScript in UTF-16 units, which differ for characters outside the Basic Multilingual Plane.
 */
export function advanceCharacters(text: string, from: number, characters: number): number {
  let i = from;
  for (let n = 0; n < characters && i < text.length; n++) i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

/** Maps a byte offset of the text's UTF-8 encoding to its JavaScript string index. */
function byteIndex(text: string): (byte: number) => number {
  if (/^[\u0000-\u007f]*$/.test(text)) return (byte) => byte;
  const map = new Uint32Array(Buffer.byteLength(text) + 1);
  let byte = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i)!;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    map.fill(i, byte, byte + size);
    byte += size;
    if (code > 0xffff) i++;
  }
  map[byte] = text.length;
  return (b) => map[b]!;
}

function syntaxError(text: string, error: unknown): SqlSyntaxError {
  const details = (error as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
  const message = details?.message ?? (error as Error).message;
  // cursorPosition counts characters from 0 (libpg-query converts PostgreSQL's 1-based position).
  const offset = advanceCharacters(text, 0, details?.cursorPosition ?? 0);
  const { line, column } = lineColumn(text, offset);
  return new SqlSyntaxError(message, offset, line, column);
}

/** A node of a parse tree: its type (`FuncCall`, `TransactionStmt`, …) and its fields. */
export interface TreeNode {
  type: string;
  fields: Record<string, unknown>;
}

/**
 * Every node of a parse tree, depth first. Nodes are objects with one key, a type name starting
 * with a capital letter, holding the node's fields (the JSON form libpg-query returns).
 */
export function* treeNodes(tree: unknown): Generator<TreeNode, void, undefined> {
  if (Array.isArray(tree)) {
    for (const item of tree) yield* treeNodes(item);
    return;
  }
  if (tree === null || typeof tree !== 'object') return;
  const entries = Object.entries(tree);
  const [only] = entries;
  if (entries.length === 1 && /^[A-Z]/.test(only![0]) && only![1] !== null && typeof only![1] === 'object' && !Array.isArray(only![1])) {
    yield { type: only![0], fields: only![1] as Record<string, unknown> };
    for (const value of Object.values(only![1] as object)) yield* treeNodes(value);
    return;
  }
  for (const [, value] of entries) yield* treeNodes(value);
}

/** The names of a `String` node list (`funcname`, `names`), as PostgreSQL resolved their case. */
export function nameList(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => (n as { String?: { sval?: string } }).String?.sval ?? '');
}

/** The value of a string constant token (`'…'`, `E'…'`, `U&'…'`, `$tag$…$tag$`), or undefined. */
export function stringConstant(token: string): string | undefined {
  try {
    const [stmt] = parseStatements(`select ${token}`);
    const value = (stmt as { SelectStmt?: { targetList?: { ResTarget?: { val?: { A_Const?: { sval?: { sval?: string } } } } }[] } }).SelectStmt?.targetList?.[0]?.ResTarget?.val?.A_Const?.sval;
    return value ? (value.sval ?? '') : undefined;
  } catch {
    return undefined;
  }
}
