import { describe, expect, it } from 'vitest';
import type { Cell, ColumnInfo, FunctionInfo, TableInfo } from '../../core/index.js';
import { personaClaims, type PersonaIdentity } from '../../harness/jwt.js';
import { sqlLiteral } from '../../harness/planner/literals.js';
import type { CellPlan } from '../../harness/planner/plan.js';
import { planInChunks } from '../../harness/planner/plan-stream.js';
import { requestSettings, rpcRequest, tableRequest } from '../../harness/planner/request.js';

// The planner's pure pieces: literals, the request a cell makes, the settings PostgREST would set
// for it, and how cells are planned chunk by chunk. The statements themselves are checked against
// PostgreSQL in the end-to-end tests (operations, request-shape, request-settings).

const column = (type: string): ColumnInfo => ({ name: 'c', type, category: 'U', notNull: false, hasDefault: false, generated: false });

describe('sqlLiteral', () => {
  it('types every value, escapes quotes, and writes JSON, arrays, dates and bytes in their input form', () => {
    expect(sqlLiteral(column('text'), "O'Brien")).toBe("'O''Brien'::text");
    expect(sqlLiteral(column('integer'), 42)).toBe("'42'::integer");
    expect(sqlLiteral(column('uuid'), null)).toBe('null::uuid');
    expect(sqlLiteral(column('jsonb'), { a: [1, "it's"] })).toBe(`'{"a":[1,"it''s"]}'::jsonb`);
    expect(sqlLiteral(column('jsonb'), '{"raw":true}')).toBe(`'{"raw":true}'::jsonb`);
    // A backslash makes node-postgres write an E'' string with the backslashes doubled: PostgreSQL reads back {"a","b\"c",NULL,"d\\e"}.
    expect(sqlLiteral(column('text[]'), ['a', 'b"c', null, 'd\\e'])).toBe(String.raw` E'{"a","b\\"c",NULL,"d\\\\e"}'::text[]`);
    expect(sqlLiteral(column('integer[]'), [[1, 2], [3]])).toBe(`'{{"1","2"},{"3"}}'::integer[]`);
    expect(sqlLiteral(column('timestamptz'), new Date('2026-01-02T03:04:05Z'))).toBe("'2026-01-02T03:04:05.000Z'::timestamptz");
    expect(sqlLiteral(column('bytea'), Buffer.from('hi'))).toBe(String.raw` E'\\x6869'::bytea`);
  });
});

describe('the request a cell makes', () => {
  const table: TableInfo = { name: 'app.notes', schema: 'app', table: 'notes', kind: 'table', columns: [], primaryKey: ['id'], rlsEnabled: true, rlsForced: false };
  const cell = (operation: Cell['operation'], returning = false): Cell => ({
    id: 'x',
    table: table.name,
    persona: 'alice',
    operation,
    expected: 'allow',
    origin: 'stated',
    source: { file: 'm.yaml' },
    returning,
  });

  it('is what supabase-js sends for each table operation: method, path, profile, Prefer; GET read-only', () => {
    expect(tableRequest(cell('select'), table)).toEqual({ path: '/notes', schema: 'app', method: 'GET', readOnly: true, prefer: 'count=exact' });
    expect(tableRequest(cell('insert'), table)).toEqual({ path: '/notes', schema: 'app', method: 'POST', readOnly: false, prefer: 'count=exact' });
    expect(tableRequest(cell('insert', true), table).prefer).toBe('count=exact, return=representation');
    expect(tableRequest(cell('upsert'), table).prefer).toBe('resolution=merge-duplicates, count=exact');
    expect(tableRequest(cell('update'), table).method).toBe('PATCH');
    expect(tableRequest(cell('delete'), table).method).toBe('DELETE');
    expect(() => tableRequest(cell('rpc'), table)).toThrow('an rpc cell has no table request');
  });

  it('is a POST for rpc, read-only when the function is STABLE or IMMUTABLE', () => {
    const fn = (volatility: FunctionInfo['volatility']): FunctionInfo => ({ name: 'app.f', schema: 'app', function: 'f', args: [], defaults: 0, returns: 'set', securityDefiner: false, volatility });
    expect(rpcRequest(fn('volatile'))).toEqual({ method: 'POST', path: '/rpc/f', schema: 'app', readOnly: false });
    expect(rpcRequest(fn('stable')).readOnly).toBe(true);
    expect(rpcRequest(fn('immutable')).readOnly).toBe(true);
  });
});

describe('requestSettings', () => {
  const identity: PersonaIdentity = { persona: 'alice', token: 'tok.en.sig', role: 'authenticated', claims: { sub: 'u1', role: 'authenticated' }, apiKey: 'anon-key', headers: { 'X-Tenant': "a'b" } };
  const settings = (sql: string) => Object.fromEntries([...sql.matchAll(/set_config\('([^']+)', '((?:[^']|'')*)', true\)/g)].map((m) => [m[1], m[2]!.replaceAll("''", "'")]));

  it('sets what PostgREST sets, transaction-locally: search_path, role, claims, method, path, headers, cookies', () => {
    const sql = requestSettings({ method: 'PATCH', path: '/notes', schema: 'app', readOnly: false, prefer: 'count=exact' }, identity);
    const set = settings(sql);
    expect(Object.keys(set)).toEqual(['search_path', 'role', 'request.jwt.claims', 'request.method', 'request.path', 'request.headers', 'request.cookies']);
    expect(set.search_path).toBe('"app", "public", "extensions"');
    expect(set.role).toBe('authenticated');
    expect(JSON.parse(set['request.jwt.claims']!)).toEqual(identity.claims);
    expect(set['request.method']).toBe('PATCH');
    const headers = JSON.parse(set['request.headers']!) as Record<string, string>;
    expect(headers).toMatchObject({ apikey: 'anon-key', authorization: 'Bearer tok.en.sig', 'content-profile': 'app', 'content-type': 'application/json', prefer: 'count=exact', 'x-tenant': "a'b" });
    expect(headers['accept-profile']).toBeUndefined();
  });

  it('makes a GET read-only with Accept-Profile, and calls db-pre-request after the settings', () => {
    const sql = requestSettings({ method: 'GET', path: '/notes', schema: 'app', readOnly: true }, identity, { preRequest: 'app.check_request' });
    expect(settings(sql).transaction_read_only).toBe('on');
    expect(JSON.parse(settings(sql)['request.headers']!)['accept-profile']).toBe('app');
    expect(sql.endsWith('; select "app"."check_request"()')).toBe(true);
  });
});

describe('personaClaims', () => {
  it("gives a signed-in persona a session's claims, merged with its own; an API-key persona only its role", () => {
    const matrix = { personas: { alice: { role: 'authenticated', claims: { app_metadata: { tenant: 't1' } } }, anon: { role: 'anon' } } };
    const alice = personaClaims(matrix, 'alice', 1000);
    expect(alice).toMatchObject({ role: 'authenticated', aud: 'authenticated', email: 'alice@example.test', app_metadata: { provider: 'email', tenant: 't1' } });
    expect(typeof alice.sub).toBe('string');
    expect(personaClaims(matrix, 'anon', 1000)).toMatchObject({ role: 'anon' });
    expect(personaClaims(matrix, 'anon', 1000).sub).toBeUndefined();
  });
});

describe('planInChunks', () => {
  const cells = (n: number): Cell[] =>
    Array.from({ length: n }, (_, i) => ({ id: `c${i}`, table: 't', persona: 'p', operation: 'select', expected: 'allow', origin: 'stated', source: { file: 'm' }, returning: false }));
  const planOf = (cell: Cell) => ({ cell }) as unknown as CellPlan;

  it('yields every cell in order, planned in chunks of the given size, never more than `ahead` (at least one) at once', async () => {
    for (const ahead of [0, 1, 2]) {
      const chunks: number[] = [];
      let inFlight = 0;
      let mostInFlight = 0;
      const plan = async (chunk: Cell[]) => {
        chunks.push(chunk.length);
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await Promise.resolve();
        inFlight--;
        return chunk.map(planOf);
      };
      const ids: string[] = [];
      for await (const p of planInChunks(cells(10), { plan, chunkSize: 4, ahead })) ids.push(p.cell.id);
      expect(ids).toEqual(cells(10).map((c) => c.id));
      expect(chunks).toEqual([4, 4, 2]);
      expect(mostInFlight).toBeLessThanOrEqual(Math.max(1, ahead));
    }
  });

  it('ends with the planning error, after the plans before it', async () => {
    const plan = async (chunk: Cell[]) => {
      if (chunk[0]!.id === 'c4') throw new Error('scope failed');
      return chunk.map(planOf);
    };
    const ids: string[] = [];
    const error = await (async () => {
      for await (const p of planInChunks(cells(10), { plan, chunkSize: 4, ahead: 2 })) ids.push(p.cell.id);
    })().catch((e: unknown) => e);
    expect(ids).toEqual(['c0', 'c1', 'c2', 'c3']);
    expect((error as Error).message).toBe('scope failed');
  });
});
