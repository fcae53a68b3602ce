import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { untraversableParent } from '../database/providers/cluster-dir.js';
import { embeddedNativeDir } from '../database/providers/embedded-binaries.js';
import { embeddedProvider } from '../database/providers/embedded.js';
import { embeddedTemplateKey, templateRoot } from '../database/providers/template-cache.js';
import { tempDir, writeProject } from './helpers.js';
import { isAlive, spawnCli, waitFor } from './providers-helpers.js';

// Ctrl-C or SIGTERM at any moment of a start (copying the template, initdb, the postmaster coming
// up) stops every program the run started and removes every file it wrote: it used to leave a
// 31–39 MB cluster folder, and initdb running. Each signal is sent on an event (the child
// process appearing), never after a delay.

const PG15 = existsSync('/usr/lib/postgresql/15/bin/initdb') ? '/usr/lib/postgresql/15/bin' : undefined;
const embeddedProgramsReachable = process.getuid?.() !== 0 || (await untraversableParent(join(await embeddedNativeDir(), 'bin', 'postgres'))) === undefined;

/** Processes (pid, command line) that descend from `ancestor`. */
function descendants(ancestor: number): { pid: number; cmd: string }[] {
  const parents = new Map<number, number>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim());
    } catch {
      // gone meanwhile
    }
  }
  const isBelow = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === ancestor) return true;
    return false;
  };
  return [...parents.keys()].filter(isBelow).map((pid) => ({ pid, cmd: commands.get(pid) ?? '' }));
}

/** Every process whose command line names `dir` (a cluster in it), wherever it was reparented. */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(isAlive);
}

/** A project that needs no migration: the run's first step is the provider's start. */
const project = () => writeProject({ 'rls-matrix.yaml': 'version: 1\npersonas: { anon: { role: anon } }\ndefaults: deny\n' });

/**
 * Starts a run, waits for a child process matching `moment` (or, for work done in-process, until
 * `moment(clusters)` says it is under way), signals the run, and checks that nothing is left.
 */
async function interruptAt(moment: RegExp | ((clusters: string) => boolean), signal: 'SIGINT' | 'SIGTERM', providerArgs: string[], env: NodeJS.ProcessEnv) {
  const clusters = await tempDir('rls-matrix-start-');
  const run = spawnCli(['run', await project(), ...providerArgs, '--reporter', 'none'], { TMPDIR: clusters, ...env });
  const child =
    moment instanceof RegExp
      ? await waitFor(() => descendants(run.child.pid!).find((p) => moment.test(p.cmd)), 60_000, `a child matching ${moment}`)
      : await waitFor(() => moment(clusters) || undefined, 60_000, 'the moment').then(() => undefined);
  run.child.kill(signal);
  expect(await run.exited).toBe(signal === 'SIGINT' ? 130 : 143);
  expect(run.output()).toContain(`${signal}, stopping PostgreSQL and removing its files`);
  if (child) expect(isAlive(child.pid)).toBe(false);
  expect(processesUsing(clusters)).toEqual([]);
  expect(readdirSync(clusters)).toEqual([]);
}

describe('a signal while PostgreSQL starts leaves nothing behind', () => {
  it.skipIf(!embeddedProgramsReachable)('SIGTERM while the template is copied', async () => {
    // A template with many small files, so the copy lasts long enough to be caught.
    const cache = await tempDir('rls-matrix-cache-');
    const key = embeddedTemplateKey();
    let source = join(templateRoot() ?? '', key);
    if (!existsSync(join(source, 'password'))) {
      await (await embeddedProvider.start()).stop();
      source = join(templateRoot() ?? '', key);
    }
    await cp(source, join(cache, key), { recursive: true, preserveTimestamps: true });
    const junk = join(cache, key, 'data', 'junk');
    mkdirSync(junk);
    for (let i = 0; i < 20_000; i++) writeFileSync(join(junk, String(i)), 'x');
    // The copy runs in-process (copy-tree.ts): caught once its first files are in the cluster's folder.
    const copying = (clusters: string) => readdirSync(clusters).some((dir) => readdirSync(join(clusters, dir, 'data', 'junk'), { withFileTypes: true }).length > 0);
    await interruptAt(
      (clusters) => {
        try {
          return copying(clusters);
        } catch {
          return false;
        }
      },
      'SIGTERM',
      ['--provider', 'embedded'],
      { RLS_MATRIX_CACHE: cache },
    );
  });

  it('SIGINT while the embedded provider runs initdb (no template)', async () => {
    await interruptAt(/initdb/, 'SIGINT', ['--provider', 'embedded'], { RLS_MATRIX_CACHE: 'off' });
  });

  it.skipIf(!PG15)('SIGTERM while the system provider runs initdb', async () => {
    await interruptAt(/initdb/, 'SIGTERM', ['--provider', 'system', '--pg-bin', PG15!], {});
  });

  it.skipIf(!PG15)('SIGINT while the postmaster comes up', async () => {
    await interruptAt(/postgres -D /, 'SIGINT', ['--provider', 'system', '--pg-bin', PG15!], {});
  });
});
