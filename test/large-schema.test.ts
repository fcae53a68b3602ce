import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runAndCollect, startSharedDatabase, writeProject } from './helpers.js';
import { withClient } from './providers-helpers.js';

// A server we start ourselves is sized for large schemas: a migration file that creates 2,500
// tables in one transaction holds ~12,500 locks until it commits, past PostgreSQL's default lock
// table (~5,500 entries on this server), which failed with 53200.

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
afterAll(async () => database?.stop());

const TABLES = 2500;

function migration(): string {
  const tables = Array.from({ length: TABLES }, (_, i) => {
    const t = `public.t${String(i + 1).padStart(4, '0')}`;
    const name = t.slice('public.'.length);
    return [
      `create table ${t} (id uuid primary key default gen_random_uuid(), owner_id uuid, title text not null);`,
      `create index ${name}_owner on ${t} (owner_id);`,
      `alter table ${t} enable row level security;`,
      `create policy ${name}_own on ${t} for all to authenticated using (owner_id = (select auth.uid()));`,
    ].join('\n');
  });
  return ['begin;', ...tables, 'commit;', ''].join('\n');
}

describe('servers we start: settings for large schemas', () => {
  it('a single-file migration of 2,500 tables in one transaction loads, and its cells run', async () => {
    expect(await withClient(database.connection, 'postgres', async (c) => (await c.query('show max_locks_per_transaction')).rows[0].max_locks_per_transaction)).toBe('256');
    const dir = await writeProject({
      'schema.sql': migration(),
      'rls-matrix.yaml': `version: 1
database: { migrations: schema.sql }
fixtures: { rows: { public.t2500: [{ owner_id: "@user.alice", title: mine }] } }
personas: { anon: { role: anon }, alice: { role: authenticated } }
tables:
  public.t2500:
    scopes: { own: "owner_id = auth.uid()" }
    expect:
      anon: deny
      alice: { select: { own: allow } }
`,
    });
    const { summary, results } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider, lint: false });
    expect(summary.counts).toEqual({ total: 5, pass: 5, fail: 0, error: 0, known: 0 });
    expect(results.get('public.t2500/alice/select/own')?.outcome).toMatchObject({ class: 'allowed', rows: 1, targetRows: 1 });
  }, 600_000);
});
