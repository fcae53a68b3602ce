import type { GrantsMode } from './install.js';
import type { Queryable } from '../../core/index.js';

/**
 * What the connecting role would need to install the shim on this database and does not hold:
 * one line per privilege, saying what the shim needs it for. Empty for a superuser, or when it
 * holds everything. What the shim creates is read from its SQL (the roles, schemas, extensions
 * and objects it looks up before creating them), so this list cannot drift from the file.
 */
export async function missingShimPrivileges(client: Queryable, shimSql: string, grants: GrantsMode): Promise<{ role: string; lacking: string[] }> {
  const roles = matches(shimSql, /rolname = '([^']+)'/g);
  const schemas = matches(shimSql, /nspname = '([^']+)'/g);
  const extensions = matches(shimSql, /extname = '([^']+)'/g);
  const objects = [...new Map([...shimSql.matchAll(/to_reg(class|procedure|type)\('([^']+)'\)/g)].map((m) => [m[2]!, m[1]!])).entries()].map(([name, kind]) => ({ name, kind }));
  const { rows } = await client.query<CatalogState>(CATALOG_STATE, [roles, schemas, extensions, objects.map((o) => o.name), objects.map((o) => o.kind)]);
  const state = rows[0]!;
  if (state.rolsuper) return { role: state.role, lacking: [] };
  const lacking: string[] = [];
  if (state.missing_roles.length && !state.rolcreaterole) lacking.push(`CREATEROLE, to create the roles ${state.missing_roles.join(', ')}`);
  if (state.missing_roles.includes('service_role') && !state.rolbypassrls) {
    lacking.push(
      state.version >= 160000
        ? 'BYPASSRLS, to create service_role BYPASSRLS as Supabase has it (a role with CREATEROLE must hold BYPASSRLS itself to give it)'
        : 'superuser, to create service_role BYPASSRLS as Supabase has it (before PostgreSQL 16 only a superuser may)',
    );
  }
  const created = [
    ...(state.missing_schemas.length ? [`the schemas ${state.missing_schemas.join(', ')}`] : []),
    ...(state.missing_extensions.length ? [`the extensions ${state.missing_extensions.join(', ')}`] : []),
  ];
  if (created.length && !state.database_create) lacking.push(`CREATE on database ${state.database}, to create ${created.join(' and ')}`);
  if (state.schemas_without_usage.length) {
    lacking.push(
      `USAGE on the schemas ${state.schemas_without_usage.join(', ')}, to look up what exists in them (on Supabase, membership in anon, authenticated and service_role gives it; a run needs that membership anyway)`,
    );
  }
  // Objects missing from a schema that exists but is not the role's to create in (a schema the shim creates is its own).
  for (const schema of state.schemas_without_create) {
    const names = state.missing_objects.filter((name) => name.startsWith(`${schema}.`));
    if (names.length) lacking.push(`CREATE on schema ${schema}, to create ${names.join(', ')}`);
  }
  if (!state.postgres_exists) lacking.push(`a role named postgres: Supabase's default privileges (grants: ${grants}) are those of what postgres creates in schema public`);
  else if (!state.postgres_member) lacking.push(`membership in role postgres, to set Supabase's default privileges for what postgres creates in schema public (grants: ${grants})`);
  return { role: state.role, lacking };
}

interface CatalogState {
  role: string;
  rolsuper: boolean;
  rolcreaterole: boolean;
  rolbypassrls: boolean;
  database: string;
  version: number;
  database_create: boolean;
  missing_roles: string[];
  missing_schemas: string[];
  missing_extensions: string[];
  schemas_without_usage: string[];
  schemas_without_create: string[];
  missing_objects: string[];
  postgres_exists: boolean;
  postgres_member: boolean | null;
}

// One round trip, over catalogues every role may read.
const CATALOG_STATE = `
select r.rolname::text as role, r.rolsuper, r.rolcreaterole, r.rolbypassrls,
       current_database() as database, current_setting('server_version_num')::int as version,
       has_database_privilege(current_database(), 'CREATE') as database_create,
       array(select n from unnest($1::text[]) with ordinality as t(n, i) where not exists (select 1 from pg_roles where rolname = n) order by i) as missing_roles,
       array(select n from unnest($2::text[]) with ordinality as t(n, i) where not exists (select 1 from pg_namespace where nspname = n) order by i) as missing_schemas,
       array(select n from unnest($3::text[]) with ordinality as t(n, i)
              where not exists (select 1 from pg_extension where extname = n) and exists (select 1 from pg_available_extensions where name = n) order by i) as missing_extensions,
       array(select s.nspname::text from unnest($2::text[]) with ordinality as t(n, i) join pg_namespace s on s.nspname = t.n
              where not has_schema_privilege(s.oid, 'USAGE') order by i) as schemas_without_usage,
       array(select s.nspname::text from unnest($2::text[]) with ordinality as t(n, i) join pg_namespace s on s.nspname = t.n
              where not has_schema_privilege(s.oid, 'CREATE') order by i) as schemas_without_create,
       -- CASE keeps the order: to_regclass raises "permission denied for schema" without USAGE on it.
       array(select t.o from unnest($4::text[], $5::text[]) as t(o, kind) join pg_namespace s on s.nspname = split_part(t.o, '.', 1)
              where case when has_schema_privilege(s.oid, 'USAGE') then
                      case t.kind when 'class' then to_regclass(t.o) is null when 'procedure' then to_regprocedure(t.o) is null else to_regtype(t.o) is null end
                    else false end) as missing_objects,
       exists (select 1 from pg_roles where rolname = 'postgres') as postgres_exists,
       (select pg_has_role(r.oid, p.oid, 'MEMBER') from pg_roles p where p.rolname = 'postgres') as postgres_member
  from pg_roles r where r.rolname = current_user`;

function matches(text: string, pattern: RegExp): string[] {
  return [...new Set([...text.matchAll(pattern)].map((m) => m[1]!))];
}
