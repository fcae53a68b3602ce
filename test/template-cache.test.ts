import { afterEach, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { untraversableParent } from '../database/providers/cluster-dir.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import { embeddedNativeDir } from '../database/providers/embedded-binaries.js';

const saved = process.env.RLS_MATRIX_CACHE;
afterEach(() => {
  if (saved === undefined) delete process.env.RLS_MATRIX_CACHE;
  else process.env.RLS_MATRIX_CACHE = saved;
});

async function startAndQuery() {
  const db = await embeddedProvider.start();
  try {
    const client = new pg.Client(db.connection);
    await client.connect();
    const { rows } = await client.query<{ v: string }>('show server_version');
    await client.end();
    return { password: db.connection.password, version: rows[0]!.v };
  } finally {
    await db.stop();
  }
}

// As root with this checkout under a 0700 directory, the server user cannot reach the embedded
// programs: the provider then runs a copy of them the system provider's way, without templates
// (test/providers-embedded-binaries.test.ts).
const embeddedProgramsReachable = process.getuid?.() !== 0 || (await untraversableParent(join(await embeddedNativeDir(), 'bin', 'postgres'))) === undefined;

it.skipIf(!embeddedProgramsReachable)('the first start keeps its initdb result as a template; the next starts copy it instead of running initdb', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'rls-matrix-cache-'));
  await chmod(cache, 0o755);
  process.env.RLS_MATRIX_CACHE = cache;
  const first = await startAndQuery();
  const [template, ...others] = readdirSync(cache);
  expect(others).toEqual([]); // no staging directory left behind
  expect(template).toMatch(/^embedded-.*-uid\d+-wal1m$/);
  const password = readFileSync(join(cache, template!, 'password'), 'utf8').trim();
  expect(password).toBe(first.password);
  // Started from the template: same superuser password, a working server, the template untouched.
  const second = await startAndQuery();
  expect(second).toEqual(first);
  expect(existsSync(join(cache, template!, 'data', 'postmaster.pid'))).toBe(false);
});

it('RLS_MATRIX_CACHE=off runs initdb every time and keeps nothing', async () => {
  process.env.RLS_MATRIX_CACHE = 'off';
  const a = await startAndQuery();
  const b = await startAndQuery();
  expect(a.password).not.toBe(b.password);
});
