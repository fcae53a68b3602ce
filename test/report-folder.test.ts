import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { createReporters, verifyReport, writeReports } from '../reports/index.js';
import { makeSampleRun } from './fixtures/results-sample.js';
import { tempDir, writeProject } from './helpers.js';
import { cli, spawnCli, waitFor } from './providers-helpers.js';

// A report folder is whole or absent: a run writes into a private folder beside it and moves it
// into place at the end; while it runs it holds a lock, so a second run on the same --out refuses
// at once instead of both writing into one folder (which left a truncated results.json and no
// manifest); a full disk under --out is exit 3 with what to do, never a hang.

const run = promisify(execFile);

/** What a run may leave beside its report folder while it runs (lock, private folders). */
const besides = (out: string) => readdirSync(dirname(out)).filter((name) => name.startsWith(`.${basename(out)}.`));

/** Cells that sleep, so a run is still going while the test acts. */
function slowProject(): Promise<string> {
  return writeProject({
    'schema.sql': `create table public.slow (id serial primary key);
      alter table public.slow enable row level security;
      create policy slow on public.slow using (pg_sleep(0.3) is not null) with check (true);`,
    'rls-matrix.yaml':
      'version: 1\ndatabase: { migrations: schema.sql }\nfixtures: { rows: { public.slow: [{}] } }\npersonas: { a: { role: authenticated }, b: { role: authenticated } }\ndefaults: allow\n',
  });
}

describe('two runs, one --out', () => {
  it('the second refuses at once (exit 3, naming the first and what to do); the first writes a whole report that verifies', async () => {
    const out = join(await tempDir('rls-matrix-out-'), 'report');
    const project = await slowProject();
    const first = spawnCli(['run', project, '--out', out, '--timeout', '60000']);
    await waitFor(() => (besides(out).includes('.report.rls-matrix.lock') ? true : undefined), 30_000, 'the first run to lock the report folder');
    const second = await cli(['run', project, '--out', out]);
    expect(second.stderr).toBe(
      `rls-matrix: another rls-matrix run (process ${first.child.pid}) is writing its report to ${out}: give each run a --out of its own (e.g. rls-report-$CI_JOB_ID), or run them one after the other\n`,
    );
    expect(second.code).toBe(3);
    expect(await first.exited).toBe(0);
    const verified = await verifyReport(out);
    expect(verified.ok).toBe(true);
    expect(verified.artifacts.ok).toEqual(['junit.xml', 'report.html', 'results.json', 'summary.md']);
    expect(besides(out)).toEqual([]);
  });

  it('createReporters: a second set on a folder another holds is ERR_REPORT_LOCKED; the folder is free again after the first ends', async () => {
    const sample = makeSampleRun();
    const out = join(await tempDir('rls-matrix-out-'), 'report');
    const first = createReporters({ outDir: out, reporters: ['json'] });
    await first.onRunStart(sample.meta);
    const second = createReporters({ outDir: out, reporters: ['json'] });
    await expect(second.onRunStart(sample.meta)).rejects.toMatchObject({ code: 'ERR_REPORT_LOCKED' });
    // Nothing is visible at --out until the first run ends, and then all of it.
    expect(existsSync(out)).toBe(false);
    for (const result of sample.results) await first.onCellResult(result);
    await first.onRunEnd(sample.summary);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'results.json']);
    await writeReports(sample.meta, sample.results, sample.summary, { outDir: out, reporters: ['markdown'] });
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'summary.md']);
    expect(besides(out)).toEqual([]);
  });

  it('a lock left by a process that is gone (SIGKILL) is taken over, and its private folder removed', async () => {
    const sample = makeSampleRun();
    const parent = await tempDir('rls-matrix-out-');
    const out = join(parent, 'report');
    // A pid above the kernel's pid_max cannot be running.
    writeFileSync(join(parent, '.report.rls-matrix.lock'), JSON.stringify({ tool: 'rls-matrix', pid: 2 ** 22 + 1, host: hostname(), createdAt: new Date().toISOString() }));
    await mkdir(join(parent, '.report.rls-matrix-AbCdEf'));
    await writeFile(join(parent, '.report.rls-matrix-AbCdEf', 'results.json'), '{"trunc');
    await writeReports(sample.meta, sample.results, sample.summary, { outDir: out, reporters: ['json'] });
    expect((await verifyReport(out)).ok).toBe(true);
    expect(besides(out)).toEqual([]);
  });

  it('refuses a folder that holds files rls-matrix did not write (exit 2), and leaves them alone', async () => {
    const sample = makeSampleRun();
    const out = await tempDir('rls-matrix-out-');
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(writeReports(sample.meta, sample.results, sample.summary, { outDir: out, reporters: ['json'] })).rejects.toMatchObject({
      code: 'ERR_REPORT_FOLDER',
      message: `${out} holds files rls-matrix did not write (notes.txt): a run replaces its report folder as a whole, so point --out at a folder of its own (e.g. ${join(out, 'rls-report')})`,
    });
    expect(readdirSync(out)).toEqual(['notes.txt']);
    expect(besides(out)).toEqual([]);
  });
});

describe('signals leave no half-written report', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('%s while cells run: no report folder (the earlier one was replaced when the run began), nothing beside it', async (signal) => {
    const sample = makeSampleRun();
    const out = join(await tempDir('rls-matrix-out-'), 'report');
    await writeReports(sample.meta, sample.results, sample.summary, { outDir: out });
    const interrupted = spawnCli(['run', await slowProject(), '--out', out, '--timeout', '60000']);
    await waitFor(() => (interrupted.output().includes(' cells on ') ? true : undefined), 30_000, 'cells to run');
    interrupted.child.kill(signal);
    expect(await interrupted.exited).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(existsSync(out)).toBe(false);
    expect(besides(out)).toEqual([]);
  });
});

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)('a full disk under --out', () => {
  it('is exit 3 naming the folder and what to do, at once instead of hanging; nothing is left there', async (ctx) => {
    const mountPoint = await tempDir('rls-matrix-tmpfs-');
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=256k,mode=1777', 'tmpfs', mountPoint]);
    } catch {
      ctx.skip('no tmpfs can be mounted here (a container without CAP_SYS_ADMIN)');
    }
    try {
      // Nearly full: the report's first files fit, the results do not.
      await run('dd', ['if=/dev/zero', `of=${join(mountPoint, 'filler')}`, 'bs=4k', 'count=52']).catch(() => undefined);
      const out = join(mountPoint, 'report');
      const full = await cli(['run', 'examples/lms', '--out', out]);
      expect(full.stderr).toBe(`rls-matrix: no space left on the device holding ${out}: free some space there, or write the report elsewhere with --out\n`);
      expect(full.code).toBe(3);
      expect(readdirSync(mountPoint)).toEqual(['filler']);
    } finally {
      await run('umount', [mountPoint]);
    }
  });
});
