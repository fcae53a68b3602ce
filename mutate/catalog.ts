import type { Queryable } from '../core/index.js';

/** A policy as mutants see it; expressions deparsed with `search_path = pg_catalog` (every name qualified), so they can be written back. */
export interface MutablePolicy {
  name: string;
  permissive: boolean;
  /** Role names; `['public']` when it applies to every role. */
  roles: string[];
  command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
  using: string | null;
  withCheck: string | null;
}

export interface MutableTable {
  /** `schema.table`. */
  name: string;
  schema: string;
  table: string;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  policies: MutablePolicy[];
  /** Table-level privileges (SELECT, INSERT, UPDATE, DELETE) each API role holds, directly, by membership or through PUBLIC. */
  privileges: Record<string, string[]>;
  /** Views reading the table and tables whose policies name it: their cells see what its policies decide. */
  readBy: string[];
  /** Whether a trigger on it runs a SECURITY INVOKER function (which may touch any table with the caller's rights). */
  invokerTriggers: boolean;
}

export interface MutableFunction {
  schema: string;
  name: string;
  /** pg_get_function_identity_arguments: what ALTER FUNCTION names it by. */
  identityArgs: string;
  /** pg_get_function_arguments (with defaults): what CREATE OR REPLACE must repeat. */
  args: string;
  /** pg_get_function_result. */
  result: string;
  returnsBoolean: boolean;
  securityDefiner: boolean;
}

/**
 * A row-level AFTER trigger: the only kind that writes elsewhere than the row itself, so the one that
 * keeps a cache up to date (claims in auth.users, a membership table a helper reads).
 */
export interface MutableTrigger {
  /** `schema.table` the trigger is on. */
  table: string;
  schema: string;
  tableName: string;
  name: string;
  /** `schema.function` it executes. */
  function: string;
  /** What fires it: `insert`, `update`, `delete`. */
  events: string[];
}

/** What mutants are made from: the tested schemas' tables with their policies and grants, and every function a policy could call. */
export interface MutationCatalog {
  tables: MutableTable[];
  /**
   * AFTER row triggers on user tables of any schema (a cache may live in a private one) and on
   * auth.users, enabled, not an extension's.
   */
  triggers: MutableTrigger[];
  /** User functions of every schema but the system's and the Supabase shim's `auth` (extension-owned ones left out). */
  functions: MutableFunction[];
  /** The API roles considered (existing, neither superuser nor BYPASSRLS). */
  apiRoles: string[];
}

const NOT_FROM_EXTENSION = (classid: string, oid: string) =>
  `not exists (select 1 from pg_catalog.pg_depend e where e.classid = '${classid}'::pg_catalog.regclass and e.objid = ${oid} and e.deptype = 'e')`;

const ROLES_SQL = `
select coalesce(array_agg(rolname::text order by rolname), '{}') as roles
  from pg_catalog.pg_roles where rolname = any($1::text[]) and not rolsuper and not rolbypassrls`;

const TABLES_SQL = `
select n.nspname as schema, c.relname as table, pg_catalog.pg_get_userbyid(c.relowner) as owner,
       c.relrowsecurity as rls_enabled, c.relforcerowsecurity as rls_forced,
       coalesce((
         select json_agg(json_build_object(
                  'name', p.polname, 'permissive', p.polpermissive,
                  'roles', case when p.polroles = '{0}' then array['public']
                                else array(select rolname::text from pg_catalog.pg_roles where oid = any(p.polroles) order by 1) end,
                  'command', case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE' when 'd' then 'DELETE' else 'ALL' end,
                  'using', pg_catalog.pg_get_expr(p.polqual, p.polrelid),
                  'withCheck', pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid)) order by p.polname)
           from pg_catalog.pg_policy p where p.polrelid = c.oid), '[]') as policies,
       coalesce((select json_object_agg(r, array(select priv from unnest(array['SELECT', 'INSERT', 'UPDATE', 'DELETE']) priv
                                                  where pg_catalog.has_table_privilege(r, c.oid, priv)))
                   from unnest($2::text[]) r), '{}') as privileges,
       array(select distinct rn.nspname || '.' || rc.relname
               from pg_catalog.pg_depend d
               join pg_catalog.pg_rewrite rw on d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass and d.objid = rw.oid
               join pg_catalog.pg_class rc on rc.oid = rw.ev_class
               join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace
              where d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid = c.oid and rc.oid <> c.oid
             union
             select pn.nspname || '.' || pc.relname
               from pg_catalog.pg_depend d
               join pg_catalog.pg_policy p on d.classid = 'pg_catalog.pg_policy'::pg_catalog.regclass and d.objid = p.oid
               join pg_catalog.pg_class pc on pc.oid = p.polrelid
               join pg_catalog.pg_namespace pn on pn.oid = pc.relnamespace
              where d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.refobjid = c.oid and pc.oid <> c.oid) as read_by,
       exists (select 1 from pg_catalog.pg_trigger tg join pg_catalog.pg_proc tp on tp.oid = tg.tgfoid
                where tg.tgrelid = c.oid and not tg.tgisinternal and not tp.prosecdef) as invoker_triggers
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and n.nspname = any($1::text[])
   and ${NOT_FROM_EXTENSION('pg_catalog.pg_class', 'c.oid')}
 order by 1, 2`;

const FUNCTIONS_SQL = `
select n.nspname as schema, p.proname as name,
       pg_catalog.pg_get_function_identity_arguments(p.oid) as identity_args,
       pg_catalog.pg_get_function_arguments(p.oid) as args,
       pg_catalog.pg_get_function_result(p.oid) as result,
       p.prorettype = 'pg_catalog.bool'::pg_catalog.regtype and not p.proretset as returns_boolean,
       p.prosecdef as security_definer
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on n.oid = p.pronamespace
 where p.prokind = 'f' and n.nspname not in ('pg_catalog', 'information_schema', 'auth', 'extensions', 'storage')
   and n.nspname !~ '^pg_' and ${NOT_FROM_EXTENSION('pg_catalog.pg_proc', 'p.oid')}
 order by 1, 2, 3`;

// tgtype bits: 1 row, 2 before, 4 insert, 8 delete, 16 update, 64 instead of. A partition's copy of
// its parent's trigger (tgparentid) cannot be dropped alone: the parent's is the mutant.
const TRIGGERS_SQL = `
select n.nspname as schema, c.relname as table, t.tgname as name, pn.nspname || '.' || p.proname as function,
       array_remove(array[case when t.tgtype & 4 <> 0 then 'insert' end, case when t.tgtype & 16 <> 0 then 'update' end,
                          case when t.tgtype & 8 <> 0 then 'delete' end], null) as events
  from pg_catalog.pg_trigger t
  join pg_catalog.pg_class c on c.oid = t.tgrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  join pg_catalog.pg_proc p on p.oid = t.tgfoid
  join pg_catalog.pg_namespace pn on pn.oid = p.pronamespace
 where not t.tgisinternal and t.tgparentid = 0 and t.tgenabled <> 'D' and t.tgtype & 1 = 1 and t.tgtype & 66 = 0
   and ((n.nspname not in ('pg_catalog', 'information_schema', 'auth', 'extensions', 'storage') and n.nspname !~ '^pg_')
        or (n.nspname, c.relname) = ('auth', 'users'))
   and ${NOT_FROM_EXTENSION('pg_catalog.pg_trigger', 't.oid')} and ${NOT_FROM_EXTENSION('pg_catalog.pg_proc', 'p.oid')}
 order by 1, 2, 3`;

interface TriggerRow {
  schema: string;
  table: string;
  name: string;
  function: string;
  events: string[];
}

interface TableRow {
  schema: string;
  table: string;
  owner: string;
  rls_enabled: boolean;
  rls_forced: boolean;
  policies: MutablePolicy[];
  privileges: Record<string, string[]>;
  read_by: string[];
  invoker_triggers: boolean;
}

interface FunctionRow {
  schema: string;
  name: string;
  identity_args: string;
  args: string;
  result: string;
  returns_boolean: boolean;
  security_definer: boolean;
}

/**
 * Reads the catalogue mutants are made from. Sets `search_path` to pg_catalog for the transaction
 * (policy expressions then deparse with every name qualified, ready to be written back): call it
 * inside a transaction that is thrown away (`workspace.discard`).
 */
export async function readMutationCatalog(client: Queryable, schemas: readonly string[], roleCandidates: readonly string[]): Promise<MutationCatalog> {
  await client.query(`select pg_catalog.set_config('search_path', 'pg_catalog', true)`);
  const apiRoles = (await client.query<{ roles: string[] }>(ROLES_SQL, [[...new Set(roleCandidates)]])).rows[0]?.roles ?? [];
  const tables = await client.query<TableRow>(TABLES_SQL, [[...schemas], apiRoles]);
  const functions = await client.query<FunctionRow>(FUNCTIONS_SQL);
  const triggers = await client.query<TriggerRow>(TRIGGERS_SQL);
  return {
    apiRoles,
    triggers: triggers.rows.map((r) => ({ table: `${r.schema}.${r.table}`, schema: r.schema, tableName: r.table, name: r.name, function: r.function, events: r.events })),
    tables: tables.rows.map((r) => ({
      name: `${r.schema}.${r.table}`,
      schema: r.schema,
      table: r.table,
      owner: r.owner,
      rlsEnabled: r.rls_enabled,
      rlsForced: r.rls_forced,
      policies: r.policies,
      privileges: r.privileges,
      readBy: r.read_by,
      invokerTriggers: r.invoker_triggers,
    })),
    functions: functions.rows.map((r) => ({
      schema: r.schema,
      name: r.name,
      identityArgs: r.identity_args,
      args: r.args,
      result: r.result,
      returnsBoolean: r.returns_boolean,
      securityDefiner: r.security_definer,
    })),
  };
}
