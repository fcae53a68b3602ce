import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import pg from 'pg';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => void ({ database, provider } = await startSharedDatabase()), 60_000);
afterAll(async () => database?.stop());

const matrix = join(import.meta.dirname, 'projects/traps/rls-matrix.yaml');

/** md5 of every row of every table in public and auth (minus timestamps the server sets), per table. */
async function contentHashes(databaseName: string): Promise<Record<string, string>> {
  const client = new pg.Client({ ...database.connection, database: databaseName });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(`select format('%I.%I', schemaname, tablename) as name from pg_tables where schemaname in ('public', 'auth', 'storage') order by 1`);
    const hashes: Record<string, string> = {};
    for (const { name } of tables) {
      // Sign-up timestamps are the clock's; everything else a sign-up writes is the same every time.
      const columns = name === 'auth.users' ? 'id, email, role, raw_app_meta_data, raw_user_meta_data' : name === 'auth.identities' ? 'id, provider_id, user_id, identity_data, provider' : 't.*';
      const { rows } = await client.query<{ hash: string; n: string }>(
        `select md5(coalesce(string_agg(r::text, '|' order by r::text), '')) as hash, count(*) as n from (select ${columns} from ${name} t) r`,
      );
      hashes[name] = `${rows[0]!.n}:${rows[0]!.hash}`;
    }
    return hashes;
  } finally {
    await client.end();
  }
}

async function databasesBefore(): Promise<Set<string>> {
  const client = new pg.Client(database.connection);
  await client.connect();
  const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'rls_matrix_%'`);
  await client.end();
  return new Set(rows.map((r) => r.datname));
}

async function runAndFindDatabase(filter?: string[]): Promise<{ name: string; cells: number }> {
  const before = await databasesBefore();
  // A filter that matches no cell seeds, then stops with ERR_NO_CELLS: a run that checked nothing is no pass.
  const run = runAndCollect(matrix, { provider, cellTimeoutMs: 300, ...(filter ? { filter } : {}) });
  const cells = filter
    ? await run.then(
        () => -1,
        (error: { code?: string }) => (error.code === 'ERR_NO_CELLS' ? 0 : -1),
      )
    : (await run).results.size;
  const created = [...(await databasesBefore())].filter((d) => !before.has(d));
  expect(created).toHaveLength(1);
  return { name: created[0]!, cells };
}

it('nothing a cell does persists, and seeding is deterministic: a run leaves the same data as seeding alone', async () => {
  const executed = await runAndFindDatabase();
  const seededOnly = await runAndFindDatabase(['no cell has this id']);
  expect(executed.cells).toBeGreaterThan(30);
  expect(seededOnly.cells).toBe(0);

  const after = await contentHashes(executed.name);
  const fresh = await contentHashes(seededOnly.name);
  expect(after).toEqual(fresh);
  // The fixtures really are there (a hash of two empty databases would also be equal).
  expect(after['public.notes']).toMatch(/^3:/);
  expect(after['auth.users']).toMatch(/^2:/);
});
