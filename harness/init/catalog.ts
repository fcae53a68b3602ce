import type { Queryable } from '../../core/index.js';
import { censusHelpers, censusSchemas } from './census.js';
import { readStoragePolicies } from './storage.js';

/** A table of the exposed schemas as init sees it. */
export interface InitTable {
  /** `schema.table`. */
  name: string;
  rls: boolean;
  columns: string[];
  /** Tables of the exposed schemas its foreign keys point at (not itself): their rows are written first. */
  references: string[];
  /** Every policy's USING and WITH CHECK, deparsed with every name qualified (`auth.uid()`). */
  expressions: (string | null)[];
  primaryKey: string[];
  /** Single-column foreign keys, any schema (auth.users too): column → `schema.table` and its column. */
  foreignKeys: { column: string; table: string; refColumn: string }[];
  /** Foreign keys of several columns, any schema: columns → `schema.table` and its columns, in order. */
  compositeKeys: { columns: string[]; table: string; refColumns: string[] }[];
  /** CHECK constraints and the columns each reads, with their types. */
  checks: { name: string; columns: { name: string; type: string }[] }[];
}

// pg_get_expr qualifies names outside the search_path: with pg_catalog alone, `auth.uid()` reads as such.
const TABLES_SQL = `
select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls,
       array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
       array(select distinct fn.nspname || '.' || fc.relname from pg_constraint k
               join pg_class fc on fc.oid = k.confrelid join pg_namespace fn on fn.oid = fc.relnamespace
              where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid and fn.nspname = any($1)) as references,
       array(select e from pg_policy p, unnest(array[pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)]) as e
              where p.polrelid = c.oid order by p.polname) as expressions,
       coalesce((select array_agg(a.attname::text order by k.ord) from pg_constraint pk, unnest(pk.conkey) with ordinality k(attnum, ord)
                   join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum
                  where pk.conrelid = c.oid and pk.contype = 'p'), '{}') as "primaryKey",
       coalesce((select json_agg(json_build_object('column', a.attname, 'table', fn.nspname || '.' || fc.relname, 'refColumn', fa.attname) order by a.attname)
                   from pg_constraint k
                   join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
                   join pg_class fc on fc.oid = k.confrelid join pg_namespace fn on fn.oid = fc.relnamespace
                   join pg_attribute fa on fa.attrelid = k.confrelid and fa.attnum = k.confkey[1]
                  where k.conrelid = c.oid and k.contype = 'f' and cardinality(k.conkey) = 1), '[]') as "foreignKeys",
       coalesce((select json_agg(json_build_object('name', k.conname, 'columns',
                   (select json_agg(json_build_object('name', a.attname, 'type', format_type(a.atttypid, a.atttypmod)))
                      from pg_attribute a where a.attrelid = c.oid and a.attnum = any(k.conkey))))
                   from pg_constraint k where k.conrelid = c.oid and k.contype = 'c'), '[]') as checks,
       coalesce((select json_agg(json_build_object('table', fn.nspname || '.' || fc.relname,
                   'columns', (select json_agg(a.attname order by o.i) from unnest(k.conkey) with ordinality o(n, i) join pg_attribute a on a.attrelid = k.conrelid and a.attnum = o.n),
                   'refColumns', (select json_agg(a.attname order by o.i) from unnest(k.confkey) with ordinality o(n, i) join pg_attribute a on a.attrelid = k.confrelid and a.attnum = o.n)) order by k.conname)
                   from pg_constraint k join pg_class fc on fc.oid = k.confrelid join pg_namespace fn on fn.oid = fc.relnamespace
                  where k.conrelid = c.oid and k.contype = 'f' and cardinality(k.conkey) > 1), '[]') as "compositeKeys"
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and n.nspname = any($1)
   and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
 order by 1`;

/** What init reads of the database once the migrations ran. */
export interface InitCatalog {
  /** The schemas covered: the exposed ones (or those asked for), then the project's guarded ones. */
  schemas: string[];
  tables: InitTable[];
  /** The project's boolean functions (`schema.name`): membership helper candidates. */
  helpers: Set<string>;
  /** Storage buckets the migrations or seed created (none without the shim). */
  buckets: string[];
  /** The expressions of storage.objects' policies, and which of its owner columns (owner, owner_id) it has. */
  storagePolicies: { expressions: string[]; ownerColumns: string[] };
}

/**
 * The tables of `schemas` (plus, when `census`, of every schema of the project's own whose tables
 * have policies), the project's boolean functions and its storage buckets.
 */
export async function readInitCatalog(client: Queryable, exposed: readonly string[], census: boolean): Promise<InitCatalog> {
  await client.query('set local search_path = pg_catalog');
  const schemas = census ? await censusSchemas(client, exposed) : [...exposed];
  const { rows: tables } = await client.query<InitTable>(TABLES_SQL, [schemas]);
  const helpers = await censusHelpers(client);
  const { rows: storage } = await client.query<{ present: boolean }>(`select to_regclass('storage.buckets') is not null as present`);
  if (!storage[0]?.present) return { schemas, tables, helpers, buckets: [], storagePolicies: { expressions: [], ownerColumns: [] } };
  const { rows: buckets } = await client.query<{ id: string }>('select id from storage.buckets order by id');
  return { schemas, tables, helpers, buckets: buckets.map((b) => b.id), storagePolicies: await readStoragePolicies(client) };
}
