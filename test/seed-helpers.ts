import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import pg from 'pg';
import { runSqlFiles, seed, type SeedSummary } from '../fixtures/index.js';
import { personaClaims } from '../harness/jwt.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { installSupabaseShim } from '../database/shim/install.js';
import { loadMatrix } from '../matrix/index.js';
import type { LoadedMatrix } from '../matrix/types.js';
import { sharedDatabaseSuite, writeProject } from './helpers.js';

/**
 * Seeds a project's matrix into a fresh database of `database` exactly as a run does (shim,
 * migrations, then `seed` in a committed transaction), and keeps a connection to it open, so a
 * test can look at what seeding wrote. `error` is what seeding threw, if it did.
 */
export async function seedProject(database: StartedDatabase, matrixFile: string): Promise<{ client: pg.Client; matrix: LoadedMatrix; seeded?: SeedSummary; error?: unknown }> {
  const name = `seed_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client(database.connection);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const client = new pg.Client({ ...database.connection, database: name });
  client.on('error', () => undefined); // the server stops under it at the end of the file
  await client.connect();
  const matrix = await loadMatrix(matrixFile);
  await installSupabaseShim(client, matrix.database.grants);
  await runSqlFiles(client, matrix.database.migrations);
  await client.query('begin');
  try {
    const seeded = await seed(client, matrix, personaClaims);
    await client.query('commit');
    return { client, matrix, seeded };
  } catch (error) {
    await client.query('rollback');
    return { client, matrix, error };
  }
}

/**
 * A test file's shared server, and `seeded(files)`: writes a project and seeds it (see
 * `seedProject`); its connections are closed when the file is done.
 */
export function seedingSuite(): { database: () => StartedDatabase; provider: () => Provider; seeded: (files: Record<string, string>) => ReturnType<typeof seedProject> } {
  const { database, provider } = sharedDatabaseSuite();
  const clients: pg.Client[] = [];
  // Registered after the suite's own afterAll, so it runs first: connections close before the server stops.
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end()));
  });
  return {
    database,
    provider,
    async seeded(files) {
      const dir = await writeProject(files);
      const result = await seedProject(database(), `${dir}/rls-matrix.yaml`);
      clients.push(result.client);
      return result;
    },
  };
}
