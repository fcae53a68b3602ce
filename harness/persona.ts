import { HarnessError, type QueryRows } from '../core/index.js';
import { escapeReason, type PlannerConnection } from '../database/index.js';
import { nearestName, parseScript } from '../matrix/index.js';
import type { PersonaIdentity } from './jwt.js';
import { requestSettings } from './planner/request.js';
import type { PreparedMatrix } from './prepare-matrix.js';

/**
 * A connection as `asPersona` hands it out: node-postgres' `query`, typed here so that the package's
 * declarations need no `@types/pg`.
 */
export interface PersonaDb {
  query<Row extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

/**
 * What `asPersona` gives its callback. `Supabase` is `SupabaseClient` from `@supabase/supabase-js`
 * when the run uses the PostgREST executor (left generic so the declarations need no supabase-js).
 */
export interface PersonaContext<Supabase = unknown> {
  /** A connection switched to the persona: its role, JWT claims and request settings, as PostgREST sets them. */
  db: PersonaDb;
  /** The persona's supabase-js client through the run's PostgREST (every request rolled back); undefined with the SQL executor. */
  supabase: Supabase | undefined;
  persona: string;
  role: string;
  claims: Readonly<Record<string, unknown>>;
  /** The persona's signed JWT (HS256, the run's secret). */
  token: string;
}

/**
 * Runs `work` as `persona` of a prepared matrix: on a connection of its own (the shared one on
 * someone else's database) inside a transaction or savepoint that is always rolled back, with the
 * role, claims, search_path and request headers PostgREST sets for a `POST /` request of that
 * persona (and the matrix's db-pre-request function). Statements that would end or escape that
 * transaction are refused before they are sent.
 */
export async function runAsPersona<T, Supabase = unknown>(prepared: PreparedMatrix, persona: string, work: (context: PersonaContext<Supabase>) => Promise<T>): Promise<T> {
  const identity = prepared.identities.get(persona);
  if (!identity) {
    const near = nearestName(persona, prepared.identities.keys());
    throw new HarnessError('ERR_USAGE', `asPersona: ${prepared.matrix.file} has no persona '${persona}'${near ? ` (did you mean '${near}'?)` : ''}`);
  }
  const supabase = (await prepared.api?.clientOf(persona)) as Supabase | undefined;
  const planner = await prepared.workspace.connectPlanner();
  try {
    return await planner.discard(async () => {
      await planner.client.query(personaSettings(prepared, identity));
      const result = await work({ db: guardedDb(planner, prepared.workspace.transactional), supabase, persona, role: identity.role, claims: identity.claims, token: identity.token });
      await prepared.workspace.verifyTransaction?.(`asPersona('${persona}')`);
      return result;
    });
  } finally {
    await planner.release();
  }
}

/** The settings of a `POST /` request by the persona to the matrix's first exposed schema, then its db-pre-request. */
function personaSettings(prepared: PreparedMatrix, identity: PersonaIdentity): string {
  const preRequest = prepared.matrix.database.preRequest;
  const request = { method: 'POST' as const, path: '/', schema: prepared.matrix.schemas[0] ?? 'public', readOnly: false };
  return requestSettings(request, identity, preRequest ? { preRequest } : {});
}

/**
 * The planner's connection, refusing statements that would commit or end the rolled-back transaction
 * (and, on someone else's database, anything else that outlives it). Text the parser rejects goes to
 * PostgreSQL, which rejects it too.
 */
function guardedDb(planner: PlannerConnection, transactional: boolean): PersonaDb {
  return {
    async query<Row extends Record<string, unknown>>(text: string, values?: readonly unknown[]) {
      for (const statement of parsedOrNone(text)) {
        const reason = 'TransactionStmt' in statement.tree ? 'is transaction control' : transactional ? escapeReason(statement.tree) : undefined;
        if (reason) {
          throw new HarnessError(
            'ERR_TRANSACTION_CONTROL',
            `asPersona: '${statement.sql}' ${reason}: everything in asPersona runs inside a transaction rls-matrix rolls back, so it is refused (nothing was sent)`,
          );
        }
      }
      const result = (await planner.client.query(text, values as unknown[] | undefined)) as QueryRows<Row>;
      return { rows: result.rows, rowCount: result.rowCount };
    },
  };
}

function parsedOrNone(text: string): ReturnType<typeof parseScript> {
  try {
    return parseScript(text);
  } catch {
    return [];
  }
}
