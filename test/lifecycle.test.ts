import { expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { slowProject } from './providers-helpers.js';

const root = join(import.meta.dirname, '..');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during a run stops PostgreSQL and removes its files (exit %i)', async (signal, exitCode) => {
  // Every cell sleeps, so the run is still executing when the signal arrives.
  const project = await slowProject();
  const temp = await mkdtemp(join(tmpdir(), 'rls-matrix-signal-'));
  await chmod(temp, 0o755);
  const child = spawn(process.execPath, [join(root, 'bin/rls-matrix.js'), 'run', project, '--reporter', 'none', '--timeout', '60000'], {
    cwd: root,
    env: { ...process.env, TMPDIR: temp, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  // Wait for the cluster to be up, then for cells to be running.
  let postmasterPid: number | undefined;
  // Up to 30 s: on 2 cores shared with other suites a start can take over 10.
  for (let i = 0; i < 600 && postmasterPid === undefined; i++) {
    await sleep(50);
    for (const dir of readdirSync(temp).filter((d) => d.startsWith('rls-matrix-'))) {
      for (const data of readdirSync(join(temp, dir))) {
        const pidFile = join(temp, dir, data, 'postmaster.pid');
        // initdb's single-user backend writes a negative pid; wait for the postmaster's.
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
        if (pid > 0) postmasterPid = pid;
      }
    }
  }
  expect(postmasterPid).toBeGreaterThan(0);
  await sleep(1500);
  child.kill(signal);

  const code = await exited;
  expect(code).toBe(exitCode);
  expect(stderr).toContain(`${signal}, stopping PostgreSQL`);
  expect(alive(postmasterPid!)).toBe(false);
  expect(readdirSync(temp).filter((d) => d.startsWith('rls-matrix-'))).toEqual([]);
});
