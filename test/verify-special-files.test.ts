import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync, readdirSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rename, rm, symlink, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyReport, writeReports } from '../reports/index.js';
import { makeSampleRun } from './fixtures/results-sample.js';
import { cli, spawnCli, waitFor } from './providers-helpers.js';

// An archived report holds regular files only. verify must name anything else (a symbolic link to
// a file or a folder, a FIFO, a folder) instead of accepting it, and must never open a special
// file in a way that blocks: a FIFO in place of results.json or manifest.json made it hang.

const mkfifo = (path: string) => promisify(execFile)('mkfifo', [path]);
let dir: string;
const made: string[] = [];
const temp = async (prefix: string) => {
  const path = await mkdtemp(join(tmpdir(), prefix));
  made.push(path, `${path}-results.json`, `${path}-manifest.json`, `${path}-fifo`, `${path}-link`);
  return path;
};

beforeEach(async () => {
  dir = await temp('rls-matrix-verify-');
  const run = makeSampleRun();
  await writeReports(run.meta, run.results, run.summary, { outDir: dir });
  expect((await verifyReport(dir)).ok).toBe(true);
});

afterEach(async () => {
  await Promise.all(made.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

describe('verify: only regular files', () => {
  it.each([
    ['a symbolic link to a file', (at: string) => symlink(join(dir, 'junit.xml'), at), 'a symbolic link'],
    ['a symbolic link to a folder', (at: string) => symlink(tmpdir(), at), 'a symbolic link'],
    ['a FIFO', mkfifo, 'a FIFO'],
    ['a folder', (at: string) => mkdir(at), 'a directory'],
  ] as const)('an added %s is an added artifact', { timeout: 10_000 }, async (_, make, kind) => {
    await make(join(dir, 'extra'));
    const result = await verifyReport(dir);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ kind: 'added artifact', path: 'extra', message: `extra is in the report directory but not in the manifest (${kind})` }]);
  });

  it('an artifact replaced by a symbolic link to an identical copy is altered, not accepted', async () => {
    const copy = join(await temp('rls-matrix-copy-'), 'results.json');
    await copyFile(join(dir, 'results.json'), copy);
    await rename(join(dir, 'results.json'), `${copy}.orig`);
    await symlink(copy, join(dir, 'results.json'));
    const result = await verifyReport(dir);
    expect(result.problems).toEqual([
      expect.objectContaining({ kind: 'altered artifact', path: 'results.json', message: 'results.json is a symbolic link, not a regular file: a report holds regular files only' }),
    ]);
    expect(readlinkSync(join(dir, 'results.json'))).toBe(copy);
  });

  it('a FIFO in place of results.json is altered, without blocking', { timeout: 10_000 }, async () => {
    await rename(join(dir, 'results.json'), `${dir}-results.json`);
    await mkfifo(join(dir, 'results.json'));
    const result = await verifyReport(dir);
    expect(result.problems).toEqual([
      expect.objectContaining({ kind: 'altered artifact', path: 'results.json', message: 'results.json is a FIFO, not a regular file: a report holds regular files only' }),
    ]);
  });

  it('a FIFO or a symbolic link in place of manifest.json is refused (exit 2) without blocking; one in place of manifest.sig is an invalid signature', { timeout: 20_000 }, async () => {
    const manifest = readFileSync(join(dir, 'manifest.json'));
    await rename(join(dir, 'manifest.json'), `${dir}-manifest.json`);
    await mkfifo(join(dir, 'manifest.json'));
    await expect(verifyReport(dir)).rejects.toMatchObject({ code: 'ERR_REPORT_MANIFEST', message: `${join(dir, 'manifest.json')} is a FIFO, not a regular file` });
    const viaCli = await cli(['verify', dir]);
    expect(viaCli.stderr).toBe(`rls-matrix: ${join(dir, 'manifest.json')} is a FIFO, not a regular file\n`);
    expect(viaCli.code).toBe(2);

    const elsewhere = join(await temp('rls-matrix-copy-'), 'manifest.json');
    writeFileSync(elsewhere, manifest);
    await rename(join(dir, 'manifest.json'), `${dir}-fifo`);
    await symlink(elsewhere, join(dir, 'manifest.json'));
    await expect(verifyReport(dir)).rejects.toMatchObject({ code: 'ERR_REPORT_MANIFEST', message: `${join(dir, 'manifest.json')} is a symbolic link, not a regular file` });

    await rename(join(dir, 'manifest.json'), `${dir}-link`);
    writeFileSync(join(dir, 'manifest.json'), manifest);
    await mkfifo(join(dir, 'manifest.sig'));
    const result = await verifyReport(dir);
    expect(result.signature).toEqual({ status: 'invalid', reason: 'manifest.sig is a FIFO, not a regular file' });
    expect(result.ok).toBe(false);
  });

  it('SIGTERM while verify hashes says that verify stopped (nothing about PostgreSQL), exit 143', async () => {
    // A large sparse artifact keeps verify busy long enough to be interrupted.
    const big = join(dir, 'big.bin');
    writeFileSync(big, '');
    await truncate(big, 8 * 2 ** 30);
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { artifacts: { path: string; sha256: string; bytes: number }[] };
    manifest.artifacts.push({ path: 'big.bin', sha256: '0'.repeat(64), bytes: 8 * 2 ** 30 });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const verify = spawnCli(['verify', dir]);
    // Interrupted once it has the big file open: an event, not a delay.
    await waitFor(
      () => {
        try {
          return readdirSync(`/proc/${verify.child.pid}/fd`).some((fd) => readlinkSafe(`/proc/${verify.child.pid}/fd/${fd}`) === big) || undefined;
        } catch {
          return undefined;
        }
      },
      30_000,
      'verify to open big.bin',
    );
    verify.child.kill('SIGTERM');
    expect(await verify.exited).toBe(143);
    expect(verify.output()).toBe('\nrls-matrix: SIGTERM, verify stopped before it finished (it changes nothing)\n');
  });
});

function readlinkSafe(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}
