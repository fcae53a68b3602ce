import { type ApiExchange, type SchemaCatalog, STORAGE_OPERATIONS, type TableInfo } from '../../../core/index.js';
import type { CellPlan } from '../../planner/plan.js';
import type { Key } from '../../planner/scopes.js';
import { type ApiAnswer, type ApiObservation, observeAnswer } from './answer.js';
import type { PersonaClients } from './clients.js';

/**
 * Why a cell cannot go through the API and runs as SQL instead, or undefined when it can. Storage
 * cells would need a Storage server; a table outside the exposed schemas is not reachable through
 * PostgREST at all; a table without a primary key has no column an app could filter its rows by;
 * an update of rows that differ in every column has no body that would not make them collide.
 */
export function sqlOnlyReason(plan: CellPlan, catalog: SchemaCatalog, exposed: readonly string[]): string | undefined {
  const { cell } = plan;
  if (cell.operation === 'rpc') {
    const schema = cell.table.slice(0, cell.table.indexOf('.'));
    return exposed.includes(schema) ? undefined : `schema ${schema} is not exposed through the API (schemas:): run as SQL`;
  }
  const table = catalog.tables.get(cell.table)!;
  if (table.name === 'storage.objects' && cell.caseName !== undefined && cell.caseName in STORAGE_OPERATIONS)
    return 'storage cell: there is no Storage server here, so it runs as SQL on storage.objects';
  if (!exposed.includes(table.schema)) return `schema ${table.schema} is not exposed through the API (schemas:): run as SQL`;
  if (plan.call.ownValues)
    return `every column of ${table.name} is part of its primary key and the ${plan.targetRows} rows differ in each: one PATCH body would make them collide, so the cell runs as SQL, setting each row's column to its own value`;
  if (table.kind !== 'view' && table.primaryKey.length === 0 && cell.operation !== 'insert')
    return `${table.name} has no primary key: an app cannot address its rows, so the cell runs as SQL (by tableoid and ctid)`;
  return undefined;
}

/**
 * Issues a cell as the call its app makes with supabase-js, and observes the answer:
 * `.select('*', {count: 'exact'}).in(pk, keys)`, `.insert(row, {count})`, `.update(values, {count}).in(…)`,
 * `.delete({count}).in(…)`, `.upsert(row, {count})`, `.rpc(fn, args)`; a view is read whole and its
 * rows matched against the scope's. Composite keys filter with `.or(and(a.eq.x,b.eq.y),…)`.
 */
export async function callCell(clients: PersonaClients, plan: CellPlan, catalog: SchemaCatalog, timeoutMs: number): Promise<ApiObservation> {
  const json = plan.call.json;
  if (json && 'error' in json) return { rows: 0, targetRows: plan.targetRows, error: json.error, via: { executor: 'postgrest' } };
  const values = json?.values ?? [];
  const body = Object.fromEntries(plan.call.values.map(([column], i) => [column.name, values[i]]));
  const client = clients.of(plan.cell.persona);
  const { cell } = plan;
  let exchange: ApiExchange | undefined;
  let answer: ApiAnswer;
  if (cell.operation === 'rpc') {
    const fn = plan.call.fn!;
    const rpc = client.schema(fn.schema) as unknown as { rpc(fn: string, args: object): Builder };
    ({ result: answer, exchange } = await clients.exchange((signal) => rpc.rpc(fn.function, body).abortSignal(signal), timeoutMs));
    return observeAnswer(plan, answer, exchange, { rpc: fn });
  }
  const table = catalog.tables.get(cell.table)!;
  // supabase-js's generics describe a typed schema we do not have: the calls are used through a plain shape.
  const from = client.schema(table.schema).from(table.table) as unknown as TableCalls;
  const run = (call: (signal: AbortSignal) => PromiseLike<ApiAnswer>) => clients.exchange(call, timeoutMs);
  if (table.kind === 'view') {
    ({ result: answer, exchange } = await run((signal) => from.select('*').abortSignal(signal)));
    return observeAnswer(plan, answer, exchange, { viewRows: plan.call.keys.map((k) => k[0]!) });
  }
  const filtered = (builder: Builder) => byKeys(builder, table, plan.call.keys);
  const count = { count: 'exact' as const };
  switch (cell.operation) {
    case 'select':
      ({ result: answer, exchange } = await run((signal) => filtered(from.select('*', count)).abortSignal(signal)));
      break;
    case 'insert':
      ({ result: answer, exchange } = await run((signal) => (cell.returning ? from.insert(body, count).select() : from.insert(body, count)).abortSignal(signal)));
      break;
    case 'upsert': {
      const options = { ...count, ...(cell.conflict ? { onConflict: cell.conflict.join(',') } : {}) };
      ({ result: answer, exchange } = await run((signal) => (cell.returning ? from.upsert(body, options).select() : from.upsert(body, options)).abortSignal(signal)));
      break;
    }
    case 'update':
      ({ result: answer, exchange } = await run((signal) => {
        const update = filtered(from.update(body, count));
        return (cell.returning ? update.select() : update).abortSignal(signal);
      }));
      break;
    case 'delete':
      ({ result: answer, exchange } = await run((signal) => {
        const remove = filtered(from.delete(count));
        return (cell.returning ? remove.select() : remove).abortSignal(signal);
      }));
      break;
  }
  return observeAnswer(plan, answer, exchange, {});
}

/** A supabase-js query builder, as far as cells use it. */
interface Builder extends PromiseLike<ApiAnswer> {
  in(column: string, values: readonly unknown[]): Builder;
  or(filters: string): Builder;
  select(columns?: string, options?: { count: 'exact' }): Builder;
  abortSignal(signal: AbortSignal): Builder;
}

interface TableCalls {
  select(columns: string, options?: { count: 'exact' }): Builder;
  insert(row: object, options: { count: 'exact' }): Builder;
  upsert(row: object, options: { count: 'exact'; onConflict?: string }): Builder;
  update(values: object, options: { count: 'exact' }): Builder;
  delete(options: { count: 'exact' }): Builder;
}

/** Exactly the scope's rows, by primary key, as an app filters them. */
function byKeys(builder: Builder, table: TableInfo, keys: readonly Key[]): Builder {
  const [first, ...rest] = table.primaryKey;
  if (!rest.length || !keys.length)
    return builder.in(
      first!,
      keys.map((k) => k[0]),
    );
  const value = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  return builder.or(keys.map((key) => `and(${table.primaryKey.map((c, i) => `${c}.eq.${value(key[i]!)}`).join(',')})`).join(','));
}
