import pg from 'pg';
import { HarnessError, type SchemaCatalog, type Queryable } from '../core/index.js';
import { readCatalog } from '../fixtures/index.js';
import { type LoadedMatrix, personaNeedsUserRow, resolveTableName } from '../matrix/index.js';

/** A table the harness itself reads as its owner would (RLS off), and why. */
interface RlsFreeRead {
  schema: string;
  table: string;
  purpose: string;
}

/**
 * The tables a run reads RLS-free, as the connecting role: auth.users to bind or sign up persona
 * users, the tables its cells address (scopes and the rows each cell touches are found without
 * RLS), the tables its fixture rows go into (foreign keys are filled from existing rows), and
 * storage.objects for storage cells.
 */
function rlsFreeReads(matrix: LoadedMatrix, catalog: SchemaCatalog): RlsFreeRead[] {
  const reads = new Map<string, RlsFreeRead>();
  const add = (name: string | undefined, purpose: string) => {
    if (!name || reads.has(name)) return;
    const known = catalog.tables.get(name);
    if (known?.kind === 'view') return;
    const [schema, table] = known ? [known.schema, known.table] : (name.split('.') as [string, string]);
    reads.set(name, { schema, table, purpose });
  };
  if (Object.values(matrix.personas).some(personaNeedsUserRow)) add('auth.users', 'to bind personas to existing users by id or email, and to sign up the others');
  if (Object.keys(matrix.storage).length) add('storage.objects', 'to find the objects storage cells address');
  const named = Object.keys(matrix.tables).filter((name) => name !== '*');
  const everyTable = '*' in matrix.tables || matrix.defaults !== undefined;
  const covered = everyTable ? [...catalog.tables.values()].filter((t) => matrix.schemas.includes(t.schema)).map((t) => t.name) : [];
  for (const table of [...named.map((name) => resolveTableName(name, matrix.schemas, catalog)), ...covered]) {
    add(table, 'to evaluate the scopes and find the rows each cell addresses');
  }
  for (const { table } of matrix.fixtures.rows) add(resolveTableName(table, matrix.schemas, catalog), 'to seed fixture rows and fill their foreign keys from existing rows');
  return [...reads.values()];
}

/**
 * Refuses a connecting role that cannot read those tables RLS-free (exit 3), before anything is
 * seeded. Without SELECT the run would stop at the first read with PostgreSQL's bare 42501; without
 * a way around RLS (superuser, BYPASSRLS, or owning the table without FORCE) auth.users would look
 * empty, so an existing user would be signed up again, and scopes would fail with "query would be
 * affected by row-level security policy". A server the harness starts connects as a superuser, so
 * this only speaks on `--provider url` with a role of the user's choosing.
 */
export async function checkRlsFreeReads(client: Queryable, matrix: LoadedMatrix): Promise<void> {
  const { rows: role } = await client.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = current_user');
  if (role[0]?.rolsuper) return;
  const reads = rlsFreeReads(matrix, await readCatalog(client));
  if (!reads.length) return;
  const { rows } = await client.query<{ table: string; quoted: string; me: string; owner: string; can_select: boolean; filtered: boolean; forced: boolean }>(
    `select r.schema || '.' || r.rel as table, quote_ident(r.schema) || '.' || quote_ident(r.rel) as quoted, current_user as me, pg_get_userbyid(c.relowner) as owner, c.relforcerowsecurity as forced,
            has_table_privilege(c.oid, 'SELECT') as can_select,
            c.relrowsecurity and not (me.rolsuper or me.rolbypassrls or (pg_has_role(c.relowner, 'USAGE') and not c.relforcerowsecurity)) as filtered
       from unnest($1::text[], $2::text[]) as r(schema, rel)
       join pg_namespace n on n.nspname = r.schema
       join pg_class c on c.relnamespace = n.oid and c.relname = r.rel
       join pg_roles me on me.rolname = current_user`,
    [reads.map((r) => r.schema), reads.map((r) => r.table)],
  );
  const purposeOf = new Map(reads.map((r) => [`${r.schema}.${r.table}`, r.purpose]));
  const problems = rows.flatMap((row) => {
    const lacks = [
      ...(row.can_select ? [] : ['SELECT']),
      ...(row.filtered
        ? [
            row.forced
              ? `a way around its row-level security (it FORCEs RLS, so even its owner ${row.owner} is filtered: only BYPASSRLS reads it whole)`
              : `a way around its row-level security (neither BYPASSRLS nor membership in its owner ${row.owner})`,
          ]
        : []),
    ];
    return lacks.length ? [`  - ${row.table}: lacks ${lacks.join(' and ')}, needed ${purposeOf.get(row.table)}`] : [];
  });
  if (!problems.length) return;
  const me = rows[0]!.me;
  const remedies = [
    ...(rows.some((r) => r.filtered) ? [`alter role ${pg.escapeIdentifier(me)} bypassrls;`] : []),
    ...rows.filter((r) => !r.can_select).map((r) => `grant select on ${r.quoted} to ${pg.escapeIdentifier(me)};`),
  ];
  throw new HarnessError(
    'ERR_ROW_ACCESS',
    `the connecting role ${me} cannot read every row the run must see: the harness reads these tables as their owner would, with RLS off, to know which rows each cell should touch and which users exist\n` +
      `${problems.join('\n')}\n` +
      `  Connect as a role with BYPASSRLS (on Supabase, postgres has it), or have an admin run  ${remedies.join('  ')}  (cells still run as the personas' roles, under RLS).`,
  );
}
