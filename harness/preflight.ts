import pg from 'pg';
import { type LoadedMatrix, nearestName } from '../matrix/index.js';
import { formatLocation, HarnessError, type SourceLocation, type Queryable } from '../core/index.js';
import type { PersonaIdentity } from './jwt.js';

/**
 * Refuses to run cells that could not mean what they say: every persona's role must exist, must
 * not be the connecting role or a superuser (either bypasses RLS on every table, so every cell
 * would pass as allowed), and the connecting role must be able to switch to it, as PostgREST's
 * authenticator does. Where a role `authenticator` exists, it must be able to switch to it too:
 * otherwise the SQL executor would judge cells no request of that persona could ever reach.
 */
export async function checkPersonaRoles(client: Queryable, identities: Iterable<PersonaIdentity>, locate?: (persona: string) => SourceLocation): Promise<void> {
  const byRole = new Map<string, string[]>();
  for (const { persona, role } of identities) byRole.set(role, [...(byRole.get(role) ?? []), persona]);
  // PostgreSQL 16 separates membership from the right to SET ROLE (GRANT … WITH SET FALSE).
  const { rows } = await client.query<{ role: string; exists: boolean; superuser: boolean; is_me: boolean; can_switch: boolean; api_can_switch: boolean | null; me: string }>(
    `with m as (select case when current_setting('server_version_num')::int >= 160000 then 'SET' else 'MEMBER' end as mode)
     select r.name as role, a.oid is not null as exists, coalesce(a.rolsuper, false) as superuser,
            r.name = current_user as is_me, current_user as me,
            a.oid is not null and pg_has_role(current_user, a.oid, m.mode) as can_switch,
            (select pg_has_role(au.oid, a.oid, m.mode) from pg_roles au where au.rolname = 'authenticator') as api_can_switch
       from m, unnest($1::text[]) as r(name) left join pg_roles a on a.rolname = r.name`,
    [[...byRole.keys()]],
  );
  const problems: string[] = [];
  // A missing role is most often a typo ('authenticted'): the nearest existing role, PostgreSQL's own
  // and superusers aside (a persona may not use one).
  const existing = rows.some((r) => !r.exists)
    ? (await client.query<{ rolname: string }>(`select rolname::text from pg_roles where rolname not like 'pg\\_%' and not rolsuper`)).rows.map((r) => r.rolname)
    : [];
  for (const row of rows) {
    const named = byRole.get(row.role)!;
    // Where the role is named: the first persona's line (the others are listed by name).
    const at = locate ? ` at ${formatLocation(locate(named[0]!))}` : '';
    const personas = `${named.join(', ')}${at}`;
    if (!row.exists) {
      const near = nearestName(row.role, existing);
      problems.push(
        near
          ? `role '${row.role}' (persona ${personas}) does not exist — did you mean '${near}'? (or create it in a migration)`
          : `role '${row.role}' (persona ${personas}) does not exist: create it in a migration, or enable database.supabase for anon/authenticated/service_role`,
      );
    } else if (row.is_me) problems.push(`persona ${personas} would run as the connecting role '${row.role}', which bypasses RLS as owner; give it an API role`);
    else if (row.superuser) problems.push(`persona ${personas} uses superuser role '${row.role}', which bypasses every policy`);
    else if (!row.can_switch) {
      problems.push(
        `the connecting role '${row.me}' cannot SET ROLE to '${row.role}' (persona ${personas}), so those cells could not run as ${row.role}: ` +
          `have an admin run  grant ${pg.escapeIdentifier(row.role)} to ${pg.escapeIdentifier(row.me)};  (as Supabase grants the API roles to authenticator), or connect as a role that may (e.g. postgres on Supabase)`,
      );
    } else if (row.api_can_switch === false) {
      // PostgREST connects as authenticator and switches to the token's role for each request.
      problems.push(
        `role 'authenticator' cannot SET ROLE to '${row.role}' (persona ${personas}), so every request of ${named.length > 1 ? 'these personas' : 'this persona'} through the API would fail with 42501 "permission denied to set role": ` +
          `add  grant ${pg.escapeIdentifier(row.role)} to authenticator;  to a migration (Supabase grants only anon, authenticated and service_role to it)`,
      );
    }
  }
  if (problems.length) throw new HarnessError('ERR_PERSONA_ROLE', problems.join('\n'));
}

/**
 * Refuses exposed schemas (`schemas:`) that do not exist once migrations ran: "*" and `defaults`
 * would silently cover nothing there. Names the matrix line and the nearest existing schema.
 */
export async function checkSchemas(client: Queryable, matrix: Pick<LoadedMatrix, 'schemas' | 'locate'>): Promise<void> {
  const { rows } = await client.query<{ nspname: string }>(`select nspname::text from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'`);
  const existing = rows.map((r) => r.nspname);
  const problems = matrix.schemas.flatMap((schema, i) => {
    if (existing.includes(schema)) return [];
    const suggestion = nearestName(schema, existing);
    return [`schema '${schema}' (schemas:) does not exist after migrations at ${formatLocation(matrix.locate(['schemas', i]))}${suggestion ? ` — did you mean '${suggestion}'?` : ''}`];
  });
  if (problems.length) throw new HarnessError('ERR_SCHEMA_UNKNOWN', problems.join('\n'));
}
