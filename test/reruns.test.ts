import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { installSupabaseShim } from '../database/shim/install.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult } from '../core/results.js';
import { runAndCollect, startSharedDatabase, writeProject } from './helpers.js';
import { urlOf, withClient } from './providers-helpers.js';

// Four tables whose triggers update two rows of one shared table, half of them in the opposite
// order, slowly: service_role's whole-table updates, deletes and inserts on several connections
// at once lock those rows crosswise (deadlocks) or wait on each other. None of that says anything
// about the policies: such a cell must be re-run alone and its re-run reported.
const SCHEMA = `
create table public.shared (id int primary key, n int not null default 0);
insert into public.shared (id) values (1), (2);
create function public.touch_shared() returns trigger language plpgsql security definer set search_path = public as $$
begin
  update public.shared set n = n + 1 where id = tg_argv[0]::int;
  perform pg_sleep(0.05);
  update public.shared set n = n + 1 where id = tg_argv[1]::int;
  return coalesce(new, old);
end $$;
do $$
declare t text; i int := 0;
begin
  foreach t in array array['a', 'b', 'c', 'd'] loop
    execute format('create table public.%I (id int primary key, v text not null default %L)', t, t);
    execute format('insert into public.%I (id) select g from generate_series(1, 3) g', t);
    execute format('alter table public.%I enable row level security', t);
    execute format('create policy owner_reads on public.%I for select to authenticated using (true)', t);
    execute format('create trigger cross_update after insert or update or delete on public.%I for each row execute function public.touch_shared(%s, %s)',
                   t, 1 + i % 2, 2 - i % 2);
    i := i + 1;
  end loop;
end $$;
alter table public.shared enable row level security;
`;

const MATRIX = `version: 1
name: cross-updating triggers
database: { migrations: ./schema.sql }
personas:
  service: { role: service_role }
  reader: { role: authenticated }
defaults: deny
tables:
  "*":
    expect:
      service: allow
      reader: { select: allow }
  public.shared:
    expect:
      reader: deny
`;

const CONFLICT = new Set(['40P01', '40001', '55P03']);

let database: StartedDatabase;
let provider: Provider;
let matrix: string;
beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  matrix = `${await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': MATRIX })}/rls-matrix.yaml`;
});
afterAll(async () => {
  await database?.stop();
});

const conflicts = (results: Map<string, CellResult>) => [...results.values()].filter((r) => r.outcome.error && CONFLICT.has(r.outcome.error.sqlstate));

describe('conflicts between the run’s own cells are never a verdict', () => {
  it('at 4 workers, run after run, no cell reports a deadlock or lock wait: the conflicting cells are re-run alone, and counted', async () => {
    let rerun = 0;
    for (let i = 0; i < 3; i++) {
      const { summary, results } = await runAndCollect(matrix, { provider, workers: 4 });
      expect(conflicts(results).map((r) => `${r.cell.id}: ${r.outcome.error!.sqlstate}`)).toEqual([]);
      expect([...results.values()].filter((r) => r.status !== 'pass').map((r) => r.cell.id)).toEqual([]);
      const marked = [...results.values()].filter((r) => r.rerun);
      expect(summary.reruns?.count).toBe(marked.length);
      expect(Object.values(summary.reruns?.bySqlstate ?? {}).reduce((a, b) => a + b, 0)).toBe(marked.length);
      for (const r of marked) expect(CONFLICT.has(r.rerun!.sqlstate)).toBe(true);
      rerun += marked.length;
    }
    expect(rerun).toBeGreaterThan(0);
  }, 90_000);

  it('the same matrix without re-runs reports the conflicts as errors (what the re-runs prevent)', async () => {
    const { summary, results } = await runAndCollect(matrix, { provider, workers: 4, rerunConflicts: false });
    expect(conflicts(results).length).toBeGreaterThan(0);
    expect(summary.counts.error).toBeGreaterThan(0);
    expect(summary.reruns?.count).toBe(0);
  }, 60_000);

  it('on someone else’s database a lock held outside the run is an error after the cell timeout, not re-run', async () => {
    await withClient(database.connection, 'postgres', (c) => c.query('create database reruns_staging'));
    await withClient(database.connection, 'reruns_staging', async (c) => {
      await installSupabaseShim(c, 'legacy');
      await c.query(SCHEMA);
    });
    const holder = new pg.Client({ ...database.connection, database: 'reruns_staging' });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      await holder.query(`begin; select * from public.a where id = 1 for update`);
      const { summary, results } = await runAndCollect(matrix, {
        provider: 'url',
        providerOptions: { url: urlOf(database.connection, 'reruns_staging') },
        applyMigrations: false,
        filter: ['public.a/service/'],
        cellTimeoutMs: 400,
      });
      const blocked = ['update', 'delete'].map((op) => results.get(`public.a/service/${op}/*`)!);
      for (const r of blocked) {
        expect(r.status).toBe('error');
        expect(['55P03', '57014']).toContain(r.outcome.error?.sqlstate); // lock or statement timeout, both at --timeout
        expect(r.rerun).toBeUndefined();
      }
      expect(results.get('public.a/service/select/*')?.status).toBe('pass');
      expect(summary.reruns?.count).toBe(0);
    } finally {
      await holder.query('rollback');
      await holder.end();
    }
  }, 60_000);
});
