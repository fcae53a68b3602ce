import { createHash } from 'node:crypto';
import type { ClientBase } from 'pg';

/**
 * A sha256 over what decides access in the tested schemas: policies (as pg_policies shows them),
 * RLS enabled/forced flags, table and column grants, and table owners. Two runs with the same
 * fingerprint tested the same access rules.
 */
export async function schemaFingerprint(client: ClientBase, schemas: readonly string[]): Promise<string> {
  const { rows } = await client.query<{ part: string; body: string }>(
    `select 'policy' as part, json_agg(p order by p.schemaname, p.tablename, p.policyname)::text as body
       from pg_policies p where p.schemaname = any($1)
     union all
     select 'rls', json_agg(json_build_array(n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)) order by n.nspname, c.relname)::text
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = any($1) and c.relkind in ('r', 'p', 'v', 'm', 'f')
     union all
     select 'grants', json_agg(g order by g.table_schema, g.table_name, g.grantee, g.privilege_type)::text
       from (select table_schema, table_name, grantee, privilege_type, is_grantable
               from information_schema.role_table_grants where table_schema = any($1)) g
     union all
     select 'column_grants', json_agg(g order by g.table_schema, g.table_name, g.column_name, g.grantee, g.privilege_type)::text
       from (select table_schema, table_name, column_name, grantee, privilege_type
               from information_schema.column_privileges where table_schema = any($1)) g`,
    [schemas],
  );
  const hash = createHash('sha256');
  for (const row of rows) hash.update(`${row.part}\n${row.body ?? 'null'}\n`);
  return `sha256:${hash.digest('hex')}`;
}
