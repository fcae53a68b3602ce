import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FixtureError } from '../fixtures/errors.js';
import { diskFullError } from '../database/disk-full.js';
import type { StartedDatabase } from '../database/providers/types.js';
import { ReportError } from '../reports/errors.js';
import { writeProject } from './helpers.js';
import { cli } from './providers-helpers.js';

// PostgreSQL's files filling TMPDIR during setup is the infrastructure's problem, not the input's:
// exit 3 naming the folder and what to do, never exit 2 blaming the migration line or fixture that
// happened to be running (SQLSTATE 53100), nor "unexpected failure" when the server crashed
// because it could not write its WAL.

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const mounts: string[] = [];
afterAll(async () => {
  for (const dir of mounts) {
    await run('umount', [dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
});

/** A tmpfs of `size` to use as TMPDIR, or undefined where none can be mounted. */
async function smallTmpdir(size: string): Promise<string | undefined> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-full-'));
  await chmod(dir, 0o755);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=1777`, 'tmpfs', dir]);
  } catch {
    await rm(dir, { recursive: true, force: true });
    return undefined;
  }
  mounts.push(dir);
  return dir;
}

// Rows that do not compress, until the disk is full.
const FILL = 'create table public.big (t text);\ninsert into public.big select repeat(md5(i::text), 32) from generate_series(1, 5000000) i;\n';
const MATRIX = 'version: 1\ndatabase: { migrations: schema.sql }\npersonas: { anon: { role: anon } }\ndefaults: deny\n';

describe.skipIf(!isRoot)('a full TMPDIR during setup', () => {
  it.for([
    ['a migration', '48m', { 'schema.sql': FILL, 'rls-matrix.yaml': MATRIX }],
    ['a migration', '64m', { 'schema.sql': FILL, 'rls-matrix.yaml': MATRIX }],
    [
      'fixtures.sql',
      '56m',
      { 'schema.sql': 'create table public.big (t text);', 'seed.sql': FILL.split('\n')[1]!, 'rls-matrix.yaml': MATRIX.replace('personas:', 'fixtures: { sql: seed.sql }\npersonas:') },
    ],
  ] as const)('filled by %s (tmpfs of %s) is exit 3 naming TMPDIR, and leaves nothing there', async ([, size, files], ctx) => {
    const dir = await smallTmpdir(size);
    if (!dir) return ctx.skip('no tmpfs can be mounted here (a container without CAP_SYS_ADMIN)');
    const result = await cli(['run', await writeProject(files), '--reporter', 'none'], { TMPDIR: dir });
    expect(result.stderr).toBe(`rls-matrix: no space left on the device holding ${dir}: free some space there, or point TMPDIR at a disk with at least 100 MB free\n`);
    expect(result.code).toBe(3);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('diskFullError', () => {
  const local = (log: string[] = []): StartedDatabase => ({
    connection: { host: '127.0.0.1', port: 5, user: 'u', password: 'p', database: 'd' },
    location: '/tmp/x',
    serverLog: () => log,
    stop: async () => undefined,
  });
  const message = 'no space left on the device holding /tmp/x: free some space there, or point TMPDIR at a disk with at least 100 MB free';

  it('maps SQLSTATE 53100 from a migration or a cell, and a crash the server log blames on the disk', () => {
    const migration = new FixtureError('ERR_MIGRATION_FAILED', 'migration failed: could not extend file', { sqlstate: '53100' });
    expect(diskFullError(migration, local())).toMatchObject({ code: 'ERR_DISK_FULL', exitCode: 3, message });
    expect(diskFullError({ sqlstate: '53100', message: 'could not write to file "base/pgsql_tmp/x"' }, local())?.message).toBe(message);
    const lost = new Error('Connection terminated unexpectedly');
    expect(diskFullError(lost, local(['PANIC:  could not write to file "pg_wal/xlogtemp.7": No space left on device']))?.message).toBe(message);
  });

  it('leaves other errors alone, and a lost connection the log does not blame on the disk', () => {
    expect(diskFullError(new FixtureError('ERR_MIGRATION_FAILED', 'syntax error', { sqlstate: '42601' }), local())).toBeUndefined();
    expect(diskFullError(new Error('Connection terminated unexpectedly'), local(['LOG:  received fast shutdown request']))).toBeUndefined();
    // The reports name their own folder (--out).
    expect(diskFullError(new ReportError('ERR_REPORT_DISK_FULL', 'no space left on the device holding rls-report'), local())).toBeUndefined();
  });

  it('on a database that is not ours, names the server', () => {
    const staging: StartedDatabase = { connection: { host: 'db.example', port: 5432, user: 'u', password: 'p', database: 'd' }, isolation: 'transaction', stop: async () => undefined };
    expect(diskFullError({ sqlstate: '53100', message: 'could not extend file' }, staging)?.message).toBe(
      'the database server at db.example:5432 ran out of disk space (SQLSTATE 53100); nothing was committed: free space on that server, or run on a server of your own (--provider embedded)',
    );
  });
});
