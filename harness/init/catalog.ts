import type { Queryable } from '../../core/index.js';

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
}

// pg_get_expr qualifies names outside the search_path: with pg_catalog alone, `auth.uid()` reads as such.
const TABLES_SQL = `
select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls,
       array(select a.attname::text from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum) as columns,
       array(select distinct fn.nspname || '.' || fc.relname from pg_constraint k
               join pg_class fc on fc.oid = k.confrelid join pg_namespace fn on fn.oid = fc.relnamespace
              where k.conrelid = c.oid and k.contype = 'f' and k.confrelid <> c.oid and fn.nspname = any($1)) as references,
       array(select e from pg_policy p, unnest(array[pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)]) as e
              where p.polrelid = c.oid order by p.polname) as expressions
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p') and n.nspname = any($1)
   and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
 order by 1`;

/** The tables of `schemas`, and the storage buckets the migrations or seed created (none without the shim). */
export async function readInitCatalog(client: Queryable, schemas: readonly string[]): Promise<{ tables: InitTable[]; buckets: string[] }> {
  await client.query('set local search_path = pg_catalog');
  const { rows: tables } = await client.query<InitTable>(TABLES_SQL, [schemas]);
  const { rows: storage } = await client.query<{ present: boolean }>(`select to_regclass('storage.buckets') is not null as present`);
  if (!storage[0]?.present) return { tables, buckets: [] };
  const { rows: buckets } = await client.query<{ id: string }>('select id from storage.buckets order by id');
  return { tables, buckets: buckets.map((b) => b.id) };
}
