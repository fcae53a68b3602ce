import pg from 'pg';

/** `"schema"."name"`, escaped, for the SQL a finding suggests. */
export function qualified(schema: string, name: string): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

/** An identifier, escaped. */
export function ident(name: string): string {
  return pg.escapeIdentifier(name);
}

/** A list of roles for GRANT/REVOKE/TO: `public` stays a keyword, others are escaped. */
export function roleList(roles: readonly string[]): string {
  return roles.map((r) => (r === 'public' ? 'public' : pg.escapeIdentifier(r))).join(', ');
}
