import type { LintCatalog, LintFunction, LintPolicy, LintTable, LintView } from './types.js';
import type { Queryable } from '../core/index.js';

// Every query takes $1 = the linted schemas, $2 = the API roles (existing, checked below). Objects
// that belong to an extension are skipped, as splinter skips them.
const NOT_FROM_EXTENSION = (classid: string, oid: string) =>
  `not exists (select 1 from pg_catalog.pg_depend e where e.classid = '${classid}'::pg_catalog.regclass and e.objid = ${oid} and e.deptype = 'e')`;

const ROLES_SQL = `
select coalesce(array_agg(rolname::text order by rolname), '{}') as roles
  from pg_catalog.pg_roles
 where rolname = any($1::text[]) and not rolsuper and not rolbypassrls`;

const TABLES_SQL = `
select n.nspname as schema, c.relname as table, pg_catalog.pg_get_userbyid(c.relowner) as owner,
       c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
       array(select r from unnest($2::text[]) r where pg_catalog.pg_has_role(r, c.relowner, 'USAGE')) as api_owners,
       case when 'anon' = any($2::text[]) then array(
         select p from unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) p
          where case when p = 'DELETE' then pg_catalog.has_table_privilege('anon', c.oid, p)
                     else pg_catalog.has_any_column_privilege('anon', c.oid, p) end)
       else '{}' end as anon_privileges,
       array(select distinct a.attname::text from pg_catalog.pg_index i
               join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = i.indkey[0]
              where i.indrelid = c.oid and i.indisvalid) as indexed_columns,
       coalesce((
         select json_agg(json_build_object(
                  'name', p.polname,
                  'permissive', p.polpermissive,
                  'roles', case when p.polroles = '{0}' then array['public']
                                else array(select rolname::text from pg_catalog.pg_roles where oid = any(p.polroles) order by 1) end,
                  'appliesToAnon', p.polroles = '{0}' or ('anon' = any($2::text[]) and exists (
                                     select 1 from unnest(p.polroles) r where r <> 0 and pg_catalog.pg_has_role('anon', r, 'USAGE'))),
                  'command', case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                                           when 'd' then 'DELETE' else 'ALL' end,
                  'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                  'withCheck', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid),
                  'columns', coalesce((
                     select json_agg(distinct jsonb_build_object('name', a.attname, 'boolean', a.atttypid = 'pg_catalog.bool'::pg_catalog.regtype))
                       from pg_catalog.pg_depend d
                       join pg_catalog.pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
                      where d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass and d.objid = p.oid
                        and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid = c.oid
                        and d.refobjsubid > 0), '[]'))
                order by p.polname)
           from pg_catalog.pg_policy p where p.polrelid = c.oid), '[]') as policies
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and n.nspname = any($1::text[])
   and ${NOT_FROM_EXTENSION('pg_catalog.pg_class', 'c.oid')}
 order by 1, 2`;

const FUNCTIONS_SQL = `
select n.nspname as schema, p.proname as function, pg_catalog.pg_get_function_identity_arguments(p.oid) as args,
       p.prosecdef as security_definer,
       (select substr(cfg, 13) from unnest(p.proconfig) cfg where cfg like 'search\\_path=%' limit 1) as search_path,
       p.prorettype in ('pg_catalog.trigger'::pg_catalog.regtype, 'pg_catalog.event_trigger'::pg_catalog.regtype) as trigger,
       array(select r from unnest($2::text[]) r where pg_catalog.has_function_privilege(r, p.oid, 'EXECUTE')) as executable_by
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
 where p.prokind in ('f', 'p') and n.nspname = any($1::text[])
   and ${NOT_FROM_EXTENSION('pg_catalog.pg_proc', 'p.oid')}
 order by 1, 2, 3`;

// The relations a view reads, directly or through the views it reads (a view's _RETURN rule
// depends on every relation its query names).
const VIEWS_SQL = `
with recursive reads(view_oid, rel_oid) as (
  select v.oid, d.refobjid
    from pg_catalog.pg_class v
    join pg_catalog.pg_namespace n on n.oid = v.relnamespace
    join pg_catalog.pg_rewrite rw on rw.ev_class = v.oid
    join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
                               and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> v.oid
   where v.relkind = 'v' and n.nspname = any($1::text[])
  union
  select r.view_oid, d.refobjid
    from reads r
    join pg_catalog.pg_class mid on mid.oid = r.rel_oid and mid.relkind = 'v'
    join pg_catalog.pg_rewrite rw on rw.ev_class = mid.oid
    join pg_catalog.pg_depend d on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
                               and d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid <> mid.oid
)
select n.nspname as schema, v.relname as view, pg_catalog.pg_get_userbyid(v.relowner) as owner,
       coalesce(lower(array_to_string(v.reloptions, ',')) ~ '(^|,)security_invoker=(true|on|yes|1)(,|$)', false) as security_invoker,
       array(select r from unnest($2::text[]) r where pg_catalog.has_table_privilege(r, v.oid, 'SELECT')) as selectable_by,
       array(select distinct tn.nspname || '.' || t.relname
               from reads rd
               join pg_catalog.pg_class t on t.oid = rd.rel_oid
               join pg_catalog.pg_namespace tn on tn.oid = t.relnamespace
              where rd.view_oid = v.oid and t.relkind in ('r', 'p') and t.relrowsecurity) as rls_tables
  from pg_catalog.pg_class v
  join pg_catalog.pg_namespace n on n.oid = v.relnamespace
 where v.relkind = 'v' and n.nspname = any($1::text[])
   and ${NOT_FROM_EXTENSION('pg_catalog.pg_class', 'v.oid')}
 order by 1, 2`;

interface TableRow {
  schema: string;
  table: string;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  api_owners: string[];
  anon_privileges: string[];
  indexed_columns: string[];
  policies: LintPolicy[];
}

interface FunctionRow {
  schema: string;
  function: string;
  args: string;
  security_definer: boolean;
  search_path: string | null;
  trigger: boolean;
  executable_by: string[];
}

interface ViewRow {
  schema: string;
  view: string;
  owner: string;
  security_invoker: boolean;
  selectable_by: string[];
  rls_tables: string[];
}

/**
 * Reads what the lints check: tables with their policies, functions and views of `schemas`.
 * Policy expressions are deparsed under the session's search_path; call it inside a transaction
 * after `set local search_path = pg_catalog` (as `runLints` does) so every name comes qualified.
 */
export async function readLintCatalog(client: Queryable, schemas: readonly string[], roleCandidates: readonly string[]): Promise<LintCatalog> {
  const apiRoles = (await client.query<{ roles: string[] }>(ROLES_SQL, [[...new Set(roleCandidates)]])).rows[0]?.roles ?? [];
  const params = [[...schemas], apiRoles];
  const tables = await client.query<TableRow>(TABLES_SQL, params);
  const functions = await client.query<FunctionRow>(FUNCTIONS_SQL, params);
  const views = await client.query<ViewRow>(VIEWS_SQL, params);
  return {
    schemas: [...schemas],
    apiRoles,
    tables: tables.rows.map(
      (r): LintTable => ({
        name: `${r.schema}.${r.table}`,
        schema: r.schema,
        table: r.table,
        owner: r.owner,
        rlsEnabled: r.rls_enabled,
        rlsForced: r.rls_forced,
        apiOwners: r.api_owners,
        anonPrivileges: r.anon_privileges,
        indexedColumns: r.indexed_columns,
        policies: r.policies,
      }),
    ),
    functions: functions.rows.map(
      (r): LintFunction => ({
        name: `${r.schema}.${r.function}`,
        schema: r.schema,
        function: r.function,
        args: r.args,
        securityDefiner: r.security_definer,
        searchPath: r.search_path,
        trigger: r.trigger,
        executableBy: r.executable_by,
      }),
    ),
    views: views.rows.map(
      (r): LintView => ({
        name: `${r.schema}.${r.view}`,
        schema: r.schema,
        view: r.view,
        owner: r.owner,
        securityInvoker: r.security_invoker,
        selectableBy: r.selectable_by,
        rlsTables: r.rls_tables,
      }),
    ),
  };
}
