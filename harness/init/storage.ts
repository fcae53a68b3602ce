import { isMap, type Document } from 'yaml';
import { BUCKET_OPERATIONS, type CellResult, type Queryable } from '../../core/index.js';
import { observedVerdict, type UnrecordedCell } from '../record.js';
import { ownerColumns } from './owners.js';

const PLACEHOLDER = 'deny';
const USERS = ['alice', 'bob'] as const;

/** How a bucket's objects belong to someone, by the storage policies: a folder named after the user, or an owner column. */
export interface StorageScopes {
  own: string;
  others: string;
  /** The upload rows per scope. */
  rows: { own: Record<string, string>; others: Record<string, string> };
}

/** The USING and WITH CHECK of every policy on storage.objects, deparsed with names qualified, and its owner columns (older images lack owner_id). */
export async function readStoragePolicies(client: Queryable): Promise<{ expressions: string[]; ownerColumns: string[] }> {
  const { rows } = await client.query<{ e: string }>(
    `select e from pg_policy p, unnest(array[pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)]) as e
      where p.polrelid = to_regclass('storage.objects') and e is not null order by p.polname`,
  );
  const { rows: columns } = await client.query<{ name: string }>(
    `select attname::text as name from pg_attribute where attrelid = to_regclass('storage.objects') and attname in ('owner', 'owner_id') and not attisdropped order by 1`,
  );
  return { expressions: rows.map((r) => r.e), ownerColumns: columns.map((c) => c.name) };
}

const OTHER_USER = '(select id from auth.users where id is distinct from auth.uid() order by id limit 1)';

/**
 * Scopes for the objects of a bucket: `(storage.foldername(name))[1] = auth.uid()::text` when a
 * storage policy reads the first folder against auth.uid() (Supabase's documented pattern), else the
 * owner column a policy compares with auth.uid(); undefined when neither (whole-bucket cells only).
 * Needs the parser loaded (`loadSqlParser`).
 */
export function storageScopes(expressions: readonly string[], columns: readonly string[]): StorageScopes | undefined {
  const folder = '(storage.foldername(name))[1]';
  if (expressions.some((e) => e.includes('storage.foldername(') && e.includes('auth.uid()'))) {
    return {
      own: `${folder} = auth.uid()::text`,
      others: `${folder} is distinct from auth.uid()::text`,
      rows: { own: { name: "= auth.uid()::text || '/init-upload.txt'" }, others: { name: `= ${OTHER_USER}::text || '/init-upload.txt'` } },
    };
  }
  const [owner] = ownerColumns(expressions, columns);
  if (!owner) return undefined;
  const uid = owner === 'owner_id' ? 'auth.uid()::text' : 'auth.uid()';
  return {
    own: `${owner} = ${uid}`,
    others: `${owner} is distinct from ${uid}`,
    rows: { own: {}, others: { [owner]: `= ${OTHER_USER}${owner === 'owner_id' ? '::text' : ''}` } },
  };
}

/** storage.objects fixture rows: an object of alice's and one of bob's in each bucket, in their own folder. */
export function storageRows(buckets: readonly string[], ownerColumns: readonly string[]): object[] {
  return buckets.flatMap((bucket) =>
    USERS.map((persona) => ({
      bucket_id: bucket,
      name: `= (select id::text from auth.users where email = '${persona}@example.test') || '/init.txt'`,
      ...Object.fromEntries(ownerColumns.map((column) => [column, `@user.${persona}`])),
    })),
  );
}

/** The storage: section: per bucket, placeholder verdicts (replaced by what the run observes), scoped for alice and bob when the policies say whose an object is. */
export function storageSection(buckets: readonly string[], scopes: StorageScopes | undefined): Record<string, object> {
  const whole = Object.fromEntries(BUCKET_OPERATIONS.map((op) => [op, PLACEHOLDER]));
  const scoped = Object.fromEntries(BUCKET_OPERATIONS.map((op) => [op, { own: PLACEHOLDER, others: PLACEHOLDER }]));
  return Object.fromEntries(
    buckets.map((bucket) => [
      bucket,
      {
        ...(scopes ? { scopes: { own: scopes.own, others: scopes.others }, rows: scopes.rows } : {}),
        expect: { anon: { ...whole }, ...Object.fromEntries(USERS.map((p) => [p, scopes ? structuredClone(scoped) : { ...whole }])), service_role: { ...whole } },
      },
    ]),
  );
}

/** A result of a storage cell (one of a bucket's verbs, from the matrix's storage: section). */
export function isStorageResult(result: CellResult): boolean {
  return result.cell.bucket !== undefined;
}

/**
 * Writes the observed verdict of every storage cell in place of its placeholder, marked recorded;
 * a cell on no object is removed and listed, a cell no verdict describes is returned unrecorded.
 */
export function recordStorage(document: Document, results: readonly CellResult[]): { recorded: number; unrecorded: UnrecordedCell[]; vacuous: string[] } {
  let recorded = 0;
  const unrecorded: UnrecordedCell[] = [];
  const vacuous: string[] = [];
  for (const { cell, outcome } of results) {
    const [bucket, scope] = (cell.scope ?? '').split(':') as [string, string | undefined];
    const path = ['storage', bucket, 'expect', cell.persona, cell.caseName!, ...(scope ? [scope] : [])];
    if (outcome.vacuous) {
      vacuous.push(cell.id);
      document.deleteIn(path);
      continue;
    }
    const verdict = observedVerdict(outcome);
    if ('reason' in verdict) {
      unrecorded.push({ id: cell.id, reason: verdict.reason });
      const value = document.createNode({ known: `not recorded: ${verdict.reason}`, verdict: 'deny' });
      value.flow = true;
      value.comment = ' state the verdict, then delete the known gap';
      document.setIn(path, value);
      continue;
    }
    const node = document.createNode(verdict.verdict);
    node.comment = ' recorded, not reviewed';
    document.setIn(path, node);
    recorded++;
  }
  // An operation whose every scope went (no object of that kind) goes too.
  for (const { cell } of results) {
    const [bucket] = (cell.scope ?? '').split(':') as [string];
    const path = ['storage', bucket, 'expect', cell.persona, cell.caseName!];
    const node = document.getIn(path);
    if (isMap(node) && node.items.length === 0) document.deleteIn(path);
  }
  return { recorded, unrecorded, vacuous };
}
