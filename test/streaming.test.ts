import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runSqlFiles } from '../fixtures/index.js';
import { schemaFingerprint } from '../database/fingerprint.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix } from '../harness/run.js';
import { installSupabaseShim } from '../database/shim/install.js';
import type { CellResult } from '../core/results.js';
import { runAndCollect, startSharedDatabase, writeProject } from './helpers.js';
import { root, urlOf, withClient } from './providers-helpers.js';

// Cells are planned chunk by chunk while earlier chunks run (memory stays flat). Chunk boundaries
// fall anywhere: inside a persona, inside a table's scopes. Whatever the chunk size, every cell must
// be planned and judged exactly as when everything is planned before the first cell runs.
let database: StartedDatabase;
let provider: Provider;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
}, 60_000);
afterAll(async () => database?.stop());

const LMS = join(root, 'examples/lms/rls-matrix.yaml');
const TRAPS = join(root, 'test/projects/traps/rls-matrix.yaml');

/** What a cell's verdict rests on: the SQL it ran, the rows it saw, its class and status. */
function essentials(results: Map<string, CellResult>): Record<string, unknown> {
  // An update sends the scope's current value as a literal: a timestamp a fixture took from now()
  // differs between two runs' databases.
  const sql = (text: string) => text.replace(/'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00'::timestamp with time zone/g, '<now>');
  return Object.fromEntries(
    [...results]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, r]) => [id, { sql: sql(r.sql), role: r.role, class: r.outcome.class, rows: r.outcome.rows, targetRows: r.outcome.targetRows, sqlstate: r.outcome.error?.sqlstate, status: r.status }]),
  );
}

async function openConnections(name: string): Promise<number> {
  return withClient(database.connection, 'postgres', async (c) => Number((await c.query(`select count(*) from pg_stat_activity where datname = $1`, [name])).rows[0].count));
}

/** The database the last run created (each run gets a fresh `rls_matrix_…` database). */
async function newestWorkspace(): Promise<string> {
  return withClient(
    database.connection,
    'postgres',
    async (c) => (await c.query<{ datname: string }>(`select datname from pg_database where datname like 'rls_matrix_%' order by oid::bigint desc limit 1`)).rows[0]!.datname,
  );
}

describe('planning in chunks', () => {
  it.each([
    ['examples/lms', LMS],
    ['the traps project', TRAPS],
  ])(
    '%s: chunks of 7 cells give exactly the results of planning every cell first',
    async (_, matrix) => {
      const whole = await runAndCollect(matrix, { provider, planChunkSize: Infinity, cellTimeoutMs: 300 });
      const chunked = await runAndCollect(matrix, { provider, planChunkSize: 7, cellTimeoutMs: 300 });
      expect(chunked.results.size).toBe(whole.summary.counts.total);
      expect(chunked.summary.counts).toEqual(whole.summary.counts);
      expect(essentials(chunked.results)).toEqual(essentials(whole.results));
      // Chunks after the first were planned while cells ran, and timed as such.
      expect(chunked.summary.timings.planAlongsideMs).toBeGreaterThan(0);
      expect(whole.summary.timings.planAlongsideMs).toBeUndefined();
    },
    60_000,
  );

  it('two matrix files in one run: each in its own database, ids numbered by file, results as when each runs alone', async () => {
    const both = new Map<string, CellResult>();
    const { summary, meta } = await runMatrix({ matrices: [LMS, TRAPS], provider, planChunkSize: 7, cellTimeoutMs: 300, reporters: [{ onCellResult: (r) => void both.set(r.cell.id, r) }] });
    const lms = await runAndCollect(LMS, { provider, cellTimeoutMs: 300 });
    const traps = await runAndCollect(TRAPS, { provider, cellTimeoutMs: 300 });
    const numbered = (n: number, results: Map<string, CellResult>) => new Map([...results].map(([id, r]) => [`${n}:${id}`, r]));
    expect(essentials(both)).toEqual(essentials(new Map([...numbered(1, lms.results), ...numbered(2, traps.results)])));
    expect(meta.cellCount).toBe(lms.results.size + traps.results.size);
    expect(summary.counts.total).toBe(meta.cellCount);
    expect(meta.tables).toEqual([...new Set([...lms.meta.tables, ...traps.meta.tables])].sort());
  }, 60_000);

  it('on a shared connection (url provider, one transaction) chunks take turns with the cells and give the same results', async () => {
    await withClient(database.connection, 'postgres', (c) => c.query('create database streaming_staging'));
    await withClient(database.connection, 'streaming_staging', async (client) => {
      await installSupabaseShim(client, 'legacy');
      await runSqlFiles(
        client,
        ['examples/lms/migrations/0001_schema.sql', 'examples/lms/migrations/0002_policies.sql'].map((f) => join(root, f)),
      );
    });
    const url = urlOf(database.connection, 'streaming_staging');
    const staged = await runAndCollect(LMS, { provider: 'url', providerOptions: { url }, applyMigrations: false, planChunkSize: 5 });
    const reference = await runAndCollect(LMS, { provider, planChunkSize: Infinity });
    expect(staged.summary.counts).toEqual(reference.summary.counts);
    expect(essentials(staged.results)).toEqual(essentials(reference.results));
    expect(await openConnections('streaming_staging')).toBe(0);
  }, 60_000);

  it('a scope that fails only for the last persona fails the run after earlier chunks ran, naming it, and leaves no connection open', async () => {
    const dir = await writeProject({
      'schema.sql': `create table public.items (id int primary key, note text);
        alter table public.items enable row level security;
        create policy read on public.items for select to authenticated, anon using (true);
        grant select on public.items to authenticated, anon;`,
      'rls-matrix.yaml': `version: 1
name: fails late
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.items: [{ id: 1, note: a }, { id: 2, note: b }]
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
  carol: { role: authenticated }
  visitor: { role: anon }
tables:
  public.items:
    scopes:
      picky: 1 / (case when auth.role() = 'anon' then 0 else 1 end) = 1
    expect:
      alice: &each { select: { picky: allow }, insert: deny, update: deny, delete: deny }
      bob: *each
      carol: *each
      visitor: *each
`,
    });
    const ran: string[] = [];
    const error = await runMatrix({
      matrices: [join(dir, 'rls-matrix.yaml')],
      provider,
      planChunkSize: 2,
      workers: 2,
      reporters: [{ onCellResult: (r) => void ran.push(r.cell.persona) }],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_SCOPE_FAILED' });
    expect((error as Error).message).toMatch(/scope 'picky' of public\.items failed for persona visitor at .*rls-matrix\.yaml:\d+:\d+: division by zero \(SQLSTATE 22012\)/);
    expect(new Set(ran)).toEqual(new Set(['alice', 'bob', 'carol']));
    expect(await openConnections(await newestWorkspace())).toBe(0);
  }, 60_000);

  it('a reporter that throws mid-run stops the run with its error once every connection is closed', async () => {
    let seen = 0;
    const error = await runMatrix({
      matrices: [LMS],
      provider,
      planChunkSize: 10,
      reporters: [
        {
          onCellResult: () => {
            if (++seen === 25) throw new Error('disk full while writing a report');
          },
        },
      ],
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('disk full while writing a report');
    expect(seen).toBeLessThan(392);
    expect(await openConnections(await newestWorkspace())).toBe(0);
  }, 60_000);
});

describe('schema fingerprint', () => {
  it('is the same for the same access rules, and changes with a policy, RLS, a table or column grant, or an owner', async () => {
    const schema = `create role fp_owner; create table public.t (id int primary key, secret text);
      alter table public.t enable row level security;
      create policy p on public.t for select to public using (id > 0);`;
    const fingerprintAfter = async (name: string, change: string) => {
      await withClient(database.connection, 'postgres', (c) => c.query(`create database ${name}`));
      return withClient(database.connection, name, async (c) => {
        await c.query(schema.replace('create role fp_owner;', ''));
        if (change) await c.query(change);
        return schemaFingerprint(c, ['public']);
      });
    };
    await withClient(database.connection, 'postgres', (c) => c.query('create role fp_owner'));
    const base = await fingerprintAfter('fp_base', '');
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await fingerprintAfter('fp_same', '')).toBe(base);
    const changes = {
      policy: 'alter policy p on public.t using (id > 1)',
      rls: 'alter table public.t force row level security',
      tableGrant: 'grant select on public.t to public',
      columnGrant: 'grant update (secret) on public.t to public',
      owner: 'alter table public.t owner to fp_owner',
    };
    const seen = new Set([base]);
    for (const [name, change] of Object.entries(changes)) {
      const changed = await fingerprintAfter(`fp_${name.toLowerCase()}`, change);
      expect(seen.has(changed), name).toBe(false);
      seen.add(changed);
    }
  }, 60_000);
});
