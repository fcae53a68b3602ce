/**
 * `{persona.X}` placeholders in the SQL a matrix writes (scopes, `= expr` values): the acting
 * persona's attribute X, substituted as an escaped literal before the SQL runs. Braces never occur
 * in PostgreSQL's syntax outside string literals, quoted identifiers and comments, so a placeholder
 * cannot collide with SQL; inside those, braces are text (an array literal '{1,2}', a JSON string)
 * and are left alone. Pure: no I/O.
 */

/** One placeholder as written: `{persona.team}` names `persona` and `team`. */
export interface Placeholder {
  namespace: string;
  name: string;
  /** Offsets of `{` and just past `}` in the SQL. */
  start: number;
  end: number;
}

const PLACEHOLDER = /^\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/;
const IDENTIFIER_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Every `{namespace.name}` of `sql` that is SQL, not inside a string, quoted identifier, dollar-quoted body or comment. */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === "'") {
      i = skipQuoted(sql, i, "'", isEscapeString(sql, i));
    } else if (c === '"') {
      i = skipQuoted(sql, i, '"', false);
    } else if (c === '$' && !IDENTIFIER_CHAR.test(sql[i - 1] ?? ' ')) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))?.[0];
      if (tag) {
        const end = sql.indexOf(tag, i + tag.length);
        i = end === -1 ? sql.length : end + tag.length;
      } else i++;
    } else if (c === '{') {
      const match = PLACEHOLDER.exec(sql.slice(i));
      if (match) {
        found.push({ namespace: match[1]!, name: match[2]!, start: i, end: i + match[0].length });
        i += match[0].length;
      } else i++;
    } else i++;
  }
  return found;
}

/** `sql` with each placeholder replaced by what `replace` returns for it. */
export function substitutePlaceholders(sql: string, replace: (placeholder: Placeholder) => string): string {
  const placeholders = findPlaceholders(sql);
  if (!placeholders.length) return sql;
  let out = '';
  let from = 0;
  for (const placeholder of placeholders) {
    out += sql.slice(from, placeholder.start) + replace(placeholder);
    from = placeholder.end;
  }
  return out + sql.slice(from);
}

/** `E'…'` (and `e'…'`) take backslash escapes; a plain '…' does not (standard_conforming_strings). */
function isEscapeString(sql: string, quote: number): boolean {
  const prefix = sql[quote - 1];
  return (prefix === 'E' || prefix === 'e') && !IDENTIFIER_CHAR.test(sql[quote - 2] ?? ' ');
}

/** Offset just past the quoted text starting at `start`; a doubled quote is part of the text. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashEscapes && c === '\\') i += 2;
    else if (c === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

/** Offset just past a block comment starting at `start`; PostgreSQL's block comments nest. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
