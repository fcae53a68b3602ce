import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { HarnessError } from '../core/errors.js';
import { diskError, untraversableParent } from '../database/providers/cluster-dir.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import { freePort } from '../database/providers/free-port.js';
import { findPgBinaries } from '../database/providers/pg-bin.js';
import { systemProvider } from '../database/providers/system.js';
import type { Provider, ProviderOptions } from '../database/providers/types.js';
import { cli, clustersIn, withClient } from './providers-helpers.js';

const run = promisify(execFile);
/** PostgreSQL 15 as Debian installs it (outside PATH); the tests that need it skip without it. */
const PG15 = existsSync('/usr/lib/postgresql/15/bin/initdb') ? '/usr/lib/postgresql/15/bin' : undefined;
const isRoot = process.getuid?.() === 0;
/** Whether other users can reach this checkout's files (not when it sits under a 0700 directory). */
const readableByOthers = (await untraversableParent(join(import.meta.dirname, 'x'))) === undefined;

async function privateTmp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

function listen(port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Starts a provider with TMPDIR pointing at a directory of the test's own, and restores TMPDIR. */
async function startIn<T>(dir: string, provider: Provider, options: ProviderOptions, work: (started: Awaited<ReturnType<Provider['start']>>) => Promise<T>): Promise<T> {
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    const started = await provider.start(options);
    try {
      return await work(started);
    } finally {
      await started.stop();
    }
  } finally {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}

describe.skipIf(!PG15)('--provider system (PostgreSQL 15 from /usr/lib/postgresql/15/bin)', () => {
  it('runs the LMS example on system PostgreSQL 15 with the same results as embedded PostgreSQL 18', async () => {
    const [outA, outB] = [await privateTmp('rls-matrix-out-'), await privateTmp('rls-matrix-out-')];
    const [pg15, pg18] = await Promise.all([
      cli(['run', 'examples/lms', '--provider', 'system', '--pg-bin', PG15!, '--reporter', 'json', '--out', outA]),
      cli(['run', 'examples/lms', '--provider', 'embedded', '--reporter', 'json', '--out', outB]),
    ]);
    expect(pg15.stdout).toMatch(/system PostgreSQL 15\.\d+/);
    expect(pg18.stdout).toMatch(/embedded PostgreSQL 18\.\d+/);
    for (const result of [pg15, pg18]) {
      expect(result.stdout).toContain('PASS 392 cells: 392 passed, 0 failed, 0 errors');
      expect(result.code).toBe(0);
    }
    // Cell by cell, the same outcome class on both majors.
    const outcomes = (dir: string) => {
      const json = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { results: { cell: { id: string }; outcome: { class: string } }[] };
      return Object.fromEntries(json.results.map((r) => [r.cell.id, r.outcome.class]));
    };
    expect(outcomes(outA)).toEqual(outcomes(outB));
  });

  it('finds PostgreSQL on PATH and follows symlinks to the real bin directory', async () => {
    const bins = await findPgBinaries(undefined, `/nonexistent:${PG15}`);
    expect(bins).toEqual({ dir: PG15, initdb: join(PG15!, 'initdb'), postgres: join(PG15!, 'postgres') });
  });

  it('fails with exit 3 naming --pg-bin, where PostgreSQL is installed, and --provider embedded when initdb is missing', async () => {
    const missing = await cli(['run', 'examples/lms', '--provider', 'system', '--pg-bin', '/nonexistent/bin', '--reporter', 'none']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(
      `rls-matrix: --provider system: no initdb in /nonexistent/bin (from --pg-bin). PostgreSQL's server programs are in ${PG15}: pass --pg-bin ${PG15}; or use --provider embedded, which needs no installed PostgreSQL\n`,
    );
    const offPath = await cli(['run', 'examples/lms', '--provider', 'system', '--reporter', 'none'], { PATH: '/bin' });
    expect(offPath.code).toBe(3);
    expect(offPath.stderr).toContain('--provider system: no initdb on PATH.');
    expect(offPath.stderr).toContain('or use --provider embedded');
  });

  it('starts parallel clusters on distinct ports, and retries a port another process took first', async () => {
    const dir = await privateTmp('rls-matrix-ports-');
    const taken = await listen();
    const takenPort = (taken.address() as { port: number }).port;
    const picked: number[] = [];
    // The first pick of one cluster is a port something else already listens on: it must move on.
    const pick = async () => {
      const port = picked.length === 0 ? takenPort : await freePort();
      picked.push(port);
      return port;
    };
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = dir;
    try {
      const started = await Promise.allSettled([systemProvider.start({ pgBin: PG15! }), systemProvider.start({ pgBin: PG15!, port: pick }), systemProvider.start({ pgBin: PG15! })]);
      const all = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      let ports: number[];
      try {
        expect(started.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
        for (const db of all) expect(await withClient(db.connection, 'postgres', async (client) => (await client.query('select 1 as one')).rows[0].one)).toBe(1);
        ports = all.map((db) => db.connection.port);
      } finally {
        await Promise.all(all.map((db) => db.stop()));
      }
      expect(new Set(ports).size).toBe(3);
      expect(picked[0]).toBe(takenPort);
      expect(ports[1]).toBe(picked[1]);
      expect(clustersIn(dir)).toEqual([]);
    } finally {
      taken.close();
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
    }
  });

  it.each([
    ['system', systemProvider],
    ['embedded', embeddedProvider],
  ] as const)('%s: a fixed port in use is ERR_PORT_IN_USE (exit 3) and leaves nothing behind', async (_, provider) => {
    const dir = await privateTmp('rls-matrix-port-');
    const taken = await listen();
    const port = (taken.address() as { port: number }).port;
    try {
      const error = await startIn(dir, provider, { pgBin: PG15!, port }, async () => undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HarnessError);
      expect((error as HarnessError).code).toBe('ERR_PORT_IN_USE');
      expect((error as HarnessError).exitCode).toBe(3);
      expect((error as HarnessError).message).toBe(`port ${port} on 127.0.0.1 is in use by another process: choose another port, or leave it out to use a free one`);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it.skipIf(!isRoot)('a full disk is ERR_DISK_FULL (exit 3) naming TMPDIR, for system and embedded, and leaves nothing behind', async (ctx) => {
    const dir = await privateTmp('rls-matrix-tmpfs-');
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=1777', 'tmpfs', dir]);
    } catch {
      ctx.skip('no tmpfs can be mounted here (a container without CAP_SYS_ADMIN): the error mapping is unit-tested below');
    }
    try {
      const [system, embedded] = await Promise.all([
        cli(['run', 'examples/lms', '--provider', 'system', '--pg-bin', PG15!, '--reporter', 'none'], { TMPDIR: dir }),
        cli(['run', 'examples/lms', '--provider', 'embedded', '--reporter', 'none'], { TMPDIR: dir }),
      ]);
      for (const result of [system, embedded]) {
        expect(result.stderr).toBe(`rls-matrix: no space left on the device holding ${dir}: free some space there, or point TMPDIR at a disk with at least 100 MB free\n`);
        expect(result.code).toBe(3);
      }
      expect(readdirSync(dir).filter((f) => f.startsWith('rls-matrix-'))).toEqual([]);
    } finally {
      await run('umount', [dir]);
    }
  });

  it('maps ENOSPC and quota errors to ERR_DISK_FULL, and nothing else', () => {
    expect(diskError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), '/tmp')?.code).toBe('ERR_DISK_FULL');
    expect(diskError(new Error('initdb: error: could not write to file "x": No space left on device'), '/tmp')?.message).toContain('no space left on the device holding /tmp');
    expect(diskError(new Error('Disk quota exceeded'), '/tmp')?.code).toBe('ERR_DISK_FULL');
    expect(diskError(new Error('permission denied'), '/tmp')).toBeUndefined();
  });

  // A checkout under a 0700 directory (mktemp -d, /root) is unreadable for nobody: nothing to run as nobody there.
  it.skipIf(!isRoot || readableByOthers === false)('works as a normal user too (nobody, through runuser): system and embedded', async () => {
    const home = await privateTmp('rls-matrix-nobody-');
    const tmp = join(home, 'tmp');
    await mkdir(tmp);
    const { stdout: uid } = await run('id', ['-u', 'nobody']);
    const { stdout: gid } = await run('id', ['-g', 'nobody']);
    await chown(tmp, Number(uid), Number(gid));
    const asNobody = (provider: string) =>
      cli(
        ['run', 'examples/lms', '--provider', provider, ...(provider === 'system' ? ['--pg-bin', PG15!] : []), '--reporter', 'none'],
        { TMPDIR: tmp, HOME: tmp },
        {
          command: ['runuser', '-u', 'nobody', '--', process.execPath],
        },
      );
    const [system, embedded] = await Promise.all([asNobody('system'), asNobody('embedded')]);
    for (const result of [system, embedded]) {
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('PASS 392 cells: 392 passed, 0 failed, 0 errors');
      expect(result.code).toBe(0);
    }
    expect(readdirSync(tmp).filter((f) => f.startsWith('rls-matrix-'))).toEqual([]);
    await rm(home, { recursive: true, force: true });
  });
});
