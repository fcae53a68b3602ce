import type { Queryable } from '../../core/index.js';

/**
 * Schemas the Supabase stack (or the shim standing in for it) and extensions own: their tables are
 * the platform's, not the project's, and init covers them only when config.toml exposes them.
 */
const PLATFORM_SCHEMAS = [
  'auth',
  'storage',
  'realtime',
  'extensions',
  'graphql',
  'graphql_public',
  'vault',
  'pgsodium',
  'pgsodium_masks',
  'net',
  'supabase_functions',
  'supabase_migrations',
  'cron',
  'pgbouncer',
  'information_schema',
  '_realtime',
  '_analytics',
];

// A schema of the project's own (not pg_*, not the platform's, not an extension's) holding a table
// with RLS and at least one policy: the project guards it, so an API role reaches it somehow (rpc,
// views, a schema exposed in production), and its policies are what a matrix must pin down.
const GUARDED_SCHEMAS_SQL = `
select distinct n.nspname as schema
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and c.relrowsecurity
   and exists (select 1 from pg_policy p where p.polrelid = c.oid)
   and n.nspname !~ '^pg_' and n.nspname <> all($1) and n.nspname <> all($2)
   and not exists (select 1 from pg_depend d where d.objid = n.oid and d.deptype = 'e')
   and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
 order by 1`;

/**
 * The schemas init covers: the exposed ones, then every schema of the project's own whose tables
 * have policies (basejump keeps its tables in `basejump`, reached through rpc functions in public).
 */
export async function censusSchemas(client: Queryable, exposed: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ schema: string }>(GUARDED_SCHEMAS_SQL, [exposed, PLATFORM_SCHEMAS]);
  return [...exposed, ...rows.map((r) => r.schema)];
}

// Boolean functions of the project's own schemas: a call to one in a policy, with a column of the
// table as argument, is a membership helper candidate (`basejump.has_role_on_account(account_id)`).
const HELPERS_SQL = `
select distinct n.nspname || '.' || p.proname as name
  from pg_proc p
  join pg_namespace n on n.oid = p.pronamespace
 where p.prorettype = 'boolean'::regtype and p.prokind = 'f'
   and n.nspname !~ '^pg_' and n.nspname <> all($1)
   and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
 order by 1`;

/** The project's boolean functions, `schema.name`: what a membership helper can be. */
export async function censusHelpers(client: Queryable): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>(HELPERS_SQL, [PLATFORM_SCHEMAS]);
  return new Set(rows.map((r) => r.name));
}
