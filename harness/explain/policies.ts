import type { PolicyCommand, PolicyInfo, Queryable } from '../../core/index.js';

/** What decides whether row-level security applies to a role on a table, read once per matrix. */
export interface PolicyCatalog {
  /** Policies per schema-qualified table. */
  policies: Map<string, PolicyInfo[]>;
  /** Owner role of each table that has row-level security enabled, and whether it is forced. */
  tables: Map<string, { owner: string; rlsEnabled: boolean; rlsForced: boolean }>;
  /** Per persona role: every role it is a member of (itself included), and whether it bypasses RLS (superuser or BYPASSRLS). */
  roles: Map<string, { memberOf: Set<string>; bypassRls: boolean }>;
}

const COMMANDS: Readonly<Record<string, PolicyCommand>> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

/**
 * Reads, inside the caller's transaction, the policies of `tables` and what their owners and the persona roles are, as the catalogue
 * stores them: expressions as pg_get_expr prints them (columns unqualified or qualified by the table's
 * own name), roles by name (`public` for every role).
 */
export async function readPolicyCatalog(client: Queryable, tables: readonly string[], roles: readonly string[]): Promise<PolicyCatalog> {
  // Names printed under an empty search path come schema-qualified, so an expression means the same
  // when it is evaluated later under a request's search path.
  await client.query(`select set_config('search_path', 'pg_catalog', true)`);
  const policyRows = await client.query<{ tbl: string; name: string; cmd: string; permissive: boolean; roles: string[]; qual: string | null; check: string | null }>(
    `select n.nspname || '.' || c.relname as tbl, p.polname as name, p.polcmd as cmd, p.polpermissive as permissive,
            array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end from unnest(p.polroles) as r) as roles,
            pg_get_expr(p.polqual, p.polrelid) as qual, pg_get_expr(p.polwithcheck, p.polrelid) as check
       from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname || '.' || c.relname = any($1::text[])
      order by 1, 2`,
    [tables],
  );
  const policies = new Map<string, PolicyInfo[]>();
  for (const row of policyRows.rows) {
    const policy: PolicyInfo = {
      table: row.tbl,
      name: row.name,
      command: COMMANDS[row.cmd] ?? 'ALL',
      permissive: row.permissive,
      roles: row.roles,
      ...(row.qual !== null ? { using: row.qual } : {}),
      ...(row.check !== null ? { check: row.check } : {}),
    };
    policies.set(row.tbl, [...(policies.get(row.tbl) ?? []), policy]);
  }
  const tableRows = await client.query<{ tbl: string; owner: string; enabled: boolean; forced: boolean }>(
    `select n.nspname || '.' || c.relname as tbl, pg_get_userbyid(c.relowner)::text as owner, c.relrowsecurity as enabled, c.relforcerowsecurity as forced
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname || '.' || c.relname = any($1::text[])`,
    [tables],
  );
  const roleRows = await client.query<{ name: string; member_of: string[]; bypass: boolean }>(
    `select r.rolname::text as name, array(select b.rolname::text from pg_roles b where pg_has_role(r.oid, b.oid, 'member')) as member_of, r.rolsuper or r.rolbypassrls as bypass
       from pg_roles r where r.rolname = any($1::text[])`,
    [roles],
  );
  return {
    policies,
    tables: new Map(tableRows.rows.map((t) => [t.tbl, { owner: t.owner, rlsEnabled: t.enabled, rlsForced: t.forced }])),
    roles: new Map(roleRows.rows.map((r) => [r.name, { memberOf: new Set(r.member_of), bypassRls: r.bypass }])),
  };
}
