import pg from 'pg';

/** `"schema"."name"`, escaped, for the SQL a finding suggests. */
export function qualified(schema: string, name: string): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

/** An identifier, escaped. */
export function ident(name: string): string {
  return pg.escapeIdentifier(name);
}
