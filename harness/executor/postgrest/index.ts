import { createHash } from 'node:crypto';
import pg from 'pg';
import type { LoadedMatrix } from '../../../matrix/index.js';
import { type ApiExchange, HarnessError, type SchemaCatalog, type Queryable } from '../../../core/index.js';
import type { PersonaIdentity } from '../../jwt.js';
import type { Workspace } from '../../../database/index.js';
import type { CellPlan } from '../../planner/plan.js';
import type { ApiObservation } from './answer.js';
import { callCell, sqlOnlyReason } from './call.js';
import { createPersonaClients } from './clients.js';
import { type PostgrestServer, startPostgrest } from './server.js';
import { jsonValues } from './values.js';

/** Runs cells through the real PostgREST with supabase-js, one client per persona. */
export interface ApiExecutor {
  /** Gives freshly planned cells the JSON bodies their calls send (on the planner's connection, inside its transaction). */
  prepare(client: Queryable, plans: readonly CellPlan[]): Promise<void>;
  /** Why a cell runs as SQL even so (storage, unexposed schema, no primary key), or undefined. */
  sqlReason(plan: CellPlan): string | undefined;
  /** Issues the cell as its app's call; throws a HarnessError rather than send a write that could be committed. */
  run(plan: CellPlan, timeoutMs: number): Promise<ApiObservation>;
  /** The persona's supabase-js client, as cells use it (for `asPersona`): `unknown` so the declarations need no supabase-js (an optional peer); asPersona types it. */
  clientOf(persona: string): Promise<unknown>;
  /** Stops the PostgREST we started (none for someone else's). */
  close(): Promise<void>;
}

export interface ApiExecutorOptions {
  workspace: Workspace;
  matrix: LoadedMatrix;
  catalog: SchemaCatalog;
  identities: Map<string, PersonaIdentity>;
  jwtSecret: string;
  /** Someone's own PostgREST (with --provider url): its root URL. Without it, one is started beside the database. */
  apiUrl?: string;
  /** Connections our PostgREST keeps to the database. */
  pool: number;
  /** How long a cell may run, on the database as in the HTTP client. */
  cellTimeoutMs: number;
  /** Lets a caller stop a PostgREST we start on a signal (called as soon as its process exists). */
  onServer?: (stop: () => Promise<void>) => void;
  onLog?: (line: string) => void;
}

/**
 * Opens the API path for one matrix's database. On a server we started: sets `authenticator`'s
 * password (the same for every run on that server) and starts PostgREST there once the schema and fixtures are in place. Against someone's
 * PostgREST (`apiUrl`): checks that the setup left nothing the API cannot see (it runs in another
 * transaction), and that the server honours `Prefer: tx=rollback` before any write is sent.
 */
export async function openApiExecutor(options: ApiExecutorOptions): Promise<ApiExecutor> {
  const { workspace, matrix, catalog, identities } = options;
  let writes: 'allowed' | 'refused' = 'allowed';
  let unconfirmed: string | undefined;
  let starting: Promise<string>;
  let server: Promise<PostgrestServer> | undefined;
  if (workspace.transactional) {
    const apiUrl = options.apiUrl;
    if (!apiUrl)
      throw new HarnessError('ERR_PROVIDER_OPTIONS', '--executor postgrest and --cross-check against an existing database (--provider url) need its PostgREST: pass --api-url and --anon-key');
    await assertSetupCommitted(workspace.client);
    writes = (await honoursTxRollback(apiUrl, catalog, matrix.schemas, identities)) ? 'allowed' : 'refused';
    starting = Promise.resolve(apiUrl);
  } else {
    if (options.apiUrl)
      throw new HarnessError('ERR_PROVIDER_OPTIONS', '--api-url names the PostgREST of an existing database: use it with --provider url (a started database gets a PostgREST of its own)');
    const password = await prepareAuthenticator(workspace);
    // The server starts in the background (0.3–2 s) while the caller lints and plans.
    server = startPostgrest({
      database: workspace.connection!,
      authenticatorPassword: password,
      schemas: matrix.schemas,
      jwtSecret: options.jwtSecret,
      pool: options.pool,
      statementTimeoutMs: options.cellTimeoutMs,
      ...(matrix.database.preRequest ? { preRequest: matrix.database.preRequest } : {}),
      ...(matrix.database.extraSearchPath ? { extraSearchPath: matrix.database.extraSearchPath } : {}),
      ...(options.onLog ? { onLog: options.onLog } : {}),
      ...(options.onServer ? { onSpawned: options.onServer } : {}),
    });
    starting = server.then((started) => started.url);
  }
  const ready = starting.then((apiUrl) =>
    createPersonaClients({
      apiUrl,
      identities,
      ...(workspace.transactional
        ? {
            preferTx: 'rollback' as const,
            onUnconfirmed: (exchange: ApiExchange) => {
              // Reached only when the server stopped honouring what it confirmed moments ago.
              if (exchange.request.method !== 'GET' && exchange.request.method !== 'HEAD') unconfirmed = `${exchange.request.method} ${exchange.request.url}`;
            },
          }
        : {}),
    }),
  );
  ready.catch(() => undefined); // awaited by the first cell
  return {
    async prepare(client, plans) {
      const converted = await jsonValues(client, plans);
      for (const [plan, json] of converted) plan.call.json = json;
    },
    sqlReason: (plan) => sqlOnlyReason(plan, catalog, matrix.schemas),
    async run(plan, timeoutMs) {
      const clients = await ready;
      if (!plan.request.readOnly && writes === 'refused') throw writesRefused(options.apiUrl!, plan);
      // The database cancels a slow cell first (57014, as for the SQL executor); the HTTP client only
      // gives up on a server that stopped answering.
      const observation = await callCell(clients, plan, catalog, timeoutMs + 2000);
      if (unconfirmed)
        throw new HarnessError(
          'ERR_API_UNSAFE',
          `${unconfirmed} came back without Preference-Applied: tx=rollback, so its transaction may have been committed; the run stops here. Check the server's db-tx-end setting.`,
        );
      return observation;
    },
    async clientOf(persona) {
      // A test's own requests cannot be vetted like a cell's: no client unless every request is rolled back.
      if (writes === 'refused')
        throw new HarnessError(
          'ERR_API_WRITES_REFUSED',
          `the PostgREST at ${options.apiUrl} does not honour Prefer: tx=rollback, so asPersona gives no supabase-js client there (a write could be committed)`,
        );
      return (await ready).of(persona);
    },
    async close() {
      await server?.then(
        (started) => started.stop(),
        () => undefined,
      );
    },
  };
}

/**
 * `authenticator` logs in with a password derived from the server's own (so parallel runs on one
 * server agree on it). It is granted nothing beyond what Supabase grants it (anon, authenticated,
 * service_role, which the shim gives): a custom role the migrations forget to grant to it must fail
 * as it would on Supabase (the persona checks say so before any cell runs).
 */
async function prepareAuthenticator(workspace: Workspace): Promise<string> {
  const password = createHash('sha256').update(`rls-matrix authenticator\u0000${workspace.connection!.password}`).digest('base64url');
  await workspace.client.query(`alter role authenticator with login password ${pg.escapeLiteral(password)}`);
  return password;
}

/**
 * Against an existing database everything the run sets up stays inside its own uncommitted
 * transaction, which the user's PostgREST cannot see: cells planned against rows it cannot see
 * would prove nothing. The setup must have written nothing (personas bound to existing users, no
 * fixtures, migrations already deployed).
 */
async function assertSetupCommitted(client: Queryable): Promise<void> {
  const { rows } = await client.query<{ wrote: boolean }>('select pg_current_xact_id_if_assigned() is not null as wrote');
  if (rows[0]!.wrote) {
    throw new HarnessError(
      'ERR_PROVIDER_OPTIONS',
      "the API path cannot see this run's setup: against an existing database, the shim, migrations, fixtures and persona users are written inside a transaction that is never committed, and your PostgREST runs its own. " +
        "Use a matrix that writes nothing there (database.supabase: false where Supabase's schemas are deployed, personas that are existing users, no fixtures, --no-apply-migrations), or run --executor sql.",
    );
  }
}

/** Whether the server confirms `Prefer: tx=rollback` (db-tx-end = commit-allow-override or rollback-allow-override), asked with a read. */
async function honoursTxRollback(apiUrl: string, catalog: SchemaCatalog, schemas: readonly string[], identities: Map<string, PersonaIdentity>): Promise<boolean> {
  const table = [...catalog.tables.values()].find((t) => schemas.includes(t.schema));
  if (!table) return false;
  const key = [...identities.values()][0]?.apiKey ?? '';
  const response = await fetch(`${apiUrl.replace(/\/$/, '')}/${encodeURIComponent(table.table)}?limit=0`, {
    method: 'HEAD',
    headers: { prefer: 'tx=rollback', apikey: key, authorization: `Bearer ${key}`, 'accept-profile': table.schema },
    signal: AbortSignal.timeout(10_000),
  }).catch((cause: unknown) => {
    throw new HarnessError('ERR_CONNECTION', `cannot reach the PostgREST at ${apiUrl}: ${(cause as Error).message}`, { cause });
  });
  return (response.headers.get('preference-applied') ?? '').includes('tx=rollback');
}

function writesRefused(apiUrl: string, plan: CellPlan): HarnessError {
  return new HarnessError(
    'ERR_API_WRITES_REFUSED',
    `the PostgREST at ${apiUrl} does not honour Prefer: tx=rollback (no Preference-Applied), so a write through it could be committed: cell ${plan.cell.id} (${plan.request.method} ${plan.request.path}) was not sent. ` +
      'Set db-tx-end = commit-allow-override on that server to let rls-matrix roll back every request, or run only read cells (--filter), or use --executor sql.',
  );
}
