import pg from 'pg';
import type { ColumnInfo } from '../../core/index.js';

/**
 * A JS value as a typed SQL literal (`'text'::type`) for a column. PostgreSQL parses the text
 * when the cell runs, so a value the type rejects becomes that cell's error, as it would be for
 * an app sending it.
 */
export function sqlLiteral(column: ColumnInfo, value: unknown): string {
  const text = textForm(column, value);
  return text === null ? `null::${column.type}` : `${pg.escapeLiteral(text)}::${column.type}`;
}

function textForm(column: ColumnInfo, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const isJson = column.type === 'json' || column.type === 'jsonb';
  if (isJson) return typeof value === 'string' ? value : JSON.stringify(value);
  if (Array.isArray(value)) return arrayLiteral(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** PostgreSQL's array input syntax: `{"a","b"}`, nested for multi-dimensional arrays. */
function arrayLiteral(values: readonly unknown[]): string {
  const items = values.map((v) => {
    if (v === null || v === undefined) return 'NULL';
    if (Array.isArray(v)) return arrayLiteral(v);
    const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(',')}}`;
}
