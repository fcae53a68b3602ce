import { createRequire } from 'node:module';
import pg from 'pg';
import type { PersonaIdentity } from '../jwt.js';
import type { Cell, FunctionInfo, TableInfo } from '../../core/index.js';

/**
 * The HTTP request an app's supabase-js call makes for a cell, as PostgREST 12 receives it. The SQL
 * executor turns it into the transaction-local settings PostgREST sets; the postgrest executor
 * sends it. Measured against the real server (PostgreSQL's statement log behind PostgREST 12.0.2,
 * supabase-js 2.119 on Node 20).
 */
export interface RequestShape {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** What PostgREST puts in `request.path`: `/table` or `/rpc/function` (the gateway's `/rest/v1` is not part of it). */
  path: string;
  /** The exposed schema the request targets (Accept-Profile for GET, Content-Profile otherwise). */
  schema: string;
  /**
   * GET requests and calls of STABLE or IMMUTABLE functions run in a READ ONLY transaction: a
   * policy or function that writes there fails with 25006.
   */
  readOnly: boolean;
  /** The Prefer header supabase-js sends for the call, when it sends one. */
  prefer?: string;
}

/** The schemas PostgREST appends to every request's search_path, as Supabase configures it (db-extra-search-path). */
const EXTRA_SEARCH_PATH = ['public', 'extensions'] as const;

/** The request a table or view cell makes: `.select('*', {count})`, `.insert`, `.update`, `.delete`, `.upsert`. */
export function tableRequest(cell: Cell, table: TableInfo): RequestShape {
  const representation = cell.returning ? ', return=representation' : '';
  const base = { path: `/${table.table}`, schema: table.schema };
  switch (cell.operation) {
    case 'select':
      return { ...base, method: 'GET', readOnly: true, prefer: 'count=exact' };
    case 'insert':
      return { ...base, method: 'POST', readOnly: false, prefer: `count=exact${representation}` };
    case 'upsert':
      return { ...base, method: 'POST', readOnly: false, prefer: `resolution=merge-duplicates, count=exact${representation}` };
    case 'update':
      return { ...base, method: 'PATCH', readOnly: false, prefer: `count=exact${representation}` };
    case 'delete':
      return { ...base, method: 'DELETE', readOnly: false, prefer: `count=exact${representation}` };
    case 'rpc':
      throw new Error('an rpc cell has no table request');
  }
}

/** `.rpc(fn, args)`: a POST, read-only when the function is STABLE or IMMUTABLE. */
export function rpcRequest(fn: FunctionInfo): RequestShape {
  return { method: 'POST', path: `/rpc/${fn.function}`, schema: fn.schema, readOnly: fn.volatility !== 'volatile' };
}

/**
 * The headers PostgREST reads into `request.headers` for a supabase-js call: what supabase-js sets
 * (apikey, authorization, x-client-info, the profile header, prefer, content-type), what Node's fetch
 * adds, and the persona's own `headers:`. `host` and `content-length` are left out: they depend on
 * the server's address and the body, which a policy has no business reading.
 */
function requestHeaders(identity: PersonaIdentity, request: RequestShape): Record<string, string> {
  const headers: Record<string, string> = {
    'x-client-info': CLIENT_INFO,
    accept: '*/*',
    'sec-fetch-mode': 'cors',
    apikey: identity.apiKey,
    'accept-language': '*',
    'user-agent': 'node',
    authorization: `Bearer ${identity.token}`,
    'accept-encoding': 'gzip, deflate',
    connection: 'keep-alive',
  };
  if (request.method === 'GET') headers['accept-profile'] = request.schema;
  else {
    headers['content-profile'] = request.schema;
    headers['content-type'] = 'application/json';
  }
  if (request.prefer) headers.prefer = request.prefer;
  for (const [name, value] of Object.entries(identity.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

/** What the SQL executor needs to know about the run to shape a request like PostgREST. */
export interface RequestOptions {
  /** db-pre-request: `schema.function`, called after the settings and before the operation. */
  preRequest?: string;
  /** db-extra-search-path, when the project sets its own (config.toml). */
  extraSearchPath?: readonly string[];
}

/**
 * PostgREST's per-request statements: the transaction-local settings (search_path, role, claims,
 * method, path, headers, cookies; read-only for GET-shaped requests), then the db-pre-request call.
 */
export function requestSettings(request: RequestShape, identity: PersonaIdentity, options: RequestOptions = {}): string {
  const searchPath = [request.schema, ...(options.extraSearchPath ?? EXTRA_SEARCH_PATH)].map((s) => pg.escapeIdentifier(s)).join(', ');
  const settings: [string, string][] = [
    ['search_path', searchPath],
    ['role', identity.role],
    ['request.jwt.claims', JSON.stringify(identity.claims)],
    ['request.method', request.method],
    ['request.path', request.path],
    ['request.headers', JSON.stringify(requestHeaders(identity, request))],
    ['request.cookies', '{}'],
    // Inside the cell's savepoint: rolling back to it makes the transaction read-write again.
    ...(request.readOnly ? ([['transaction_read_only', 'on']] as [string, string][]) : []),
  ];
  const set = `select ${settings.map(([k, v]) => `set_config(${pg.escapeLiteral(k)}, ${pg.escapeLiteral(v)}, true)`).join(', ')}`;
  return options.preRequest ? `${set}; select ${qualifiedFunction(options.preRequest)}()` : set;
}

/** `schema.function` as a quoted, schema-qualified name. */
function qualifiedFunction(name: string): string {
  const dot = name.indexOf('.');
  return `${pg.escapeIdentifier(name.slice(0, dot))}.${pg.escapeIdentifier(name.slice(dot + 1))}`;
}

/** supabase-js's x-client-info, with the installed version when there is one. */
const CLIENT_INFO = `supabase-js/${installedVersion('@supabase/supabase-js') ?? '2'}; runtime=node; runtime-version=${process.versions.node}`;

function installedVersion(name: string): string | undefined {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}
