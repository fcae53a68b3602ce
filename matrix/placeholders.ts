import { scanTokens } from './sql-parser.js';

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

const WORD = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Every `{namespace.name}` of `sql` that is SQL, not inside a string, quoted identifier,
 * dollar-quoted body or comment. Decided by PostgreSQL's own lexer (the parser must be loaded, see
 * `loadSqlParser`), so what counts as "inside a string" is exactly what the server will think:
 * a substituted literal can never land inside a string the server sees and break out of it.
 */
export function findPlaceholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  const tokens = scanTokens(sql);
  for (let i = 0; i + 4 < tokens.length; i++) {
    const [open, namespace, dot, name, close] = tokens.slice(i, i + 5) as [Token, Token, Token, Token, Token];
    if (open.text !== '{' || dot.text !== '.' || close.text !== '}' || !WORD.test(namespace.text) || !WORD.test(name.text)) continue;
    found.push({ namespace: namespace.text, name: name.text, start: open.start, end: close.end });
    i += 4;
  }
  return found;
}

type Token = ReturnType<typeof scanTokens>[number];

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
