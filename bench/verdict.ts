// `npm run bench -- --verdict [--reps N]`: time to a verdict. A 1-table, 40-cell matrix run by the CLI
// as a user runs it (`node bin/rls-matrix.js run <matrix> --out <dir>`, every report), warm (the
// template cache filled) and cold (an empty cache: initdb runs), against the physical floor measured
// in the same run: copy the template, start PostgreSQL, `select 1`, stop, remove. The three take
// turns N times (default 5) so they see the same load; medians and minimums are reported.
// `--baseline DIR` also times another checkout's CLI (DIR/bin/rls-matrix.js, built) in each round,
// so a change is compared with what it replaces under the same load.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { clusterParent } from '../database/providers/cluster-dir.js';
import { copyDataDir } from '../database/providers/copy-tree.js';
import { embeddedNativeDir } from '../database/providers/embedded-binaries.js';
import { freePort } from '../database/providers/free-port.js';
import { serverOsUser } from '../database/providers/os-user.js';
import { DISPOSABLE_SERVER_SETTINGS, settingsArgs } from '../database/providers/settings.js';
import { embeddedTemplateKey, findTemplate, templateRoot } from '../database/providers/template-cache.js';
import { generateProject } from './generate.js';

const root = new URL('..', import.meta.url).pathname;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** One repetition: the floor, a warm run and a cold run (and the baseline's), in ms of wall time; the runs' CPU time. */
interface Round {
  floorMs: number;
  coldFloorMs: number;
  warmMs: number;
  coldMs: number;
  warmCpuMs?: number;
  coldCpuMs?: number;
  baselineWarmMs?: number;
  baselineColdMs?: number;
  baselineWarmCpuMs?: number;
  baselineColdCpuMs?: number;
  loadAverage: number;
}

/** GNU time, for the CPU time of a run and its children. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export async function timeToVerdict(work: string, reps: number, baseline?: string) {
  const matrix = await generateProject(join(work, 'verdict'), { tables: 1, personas: 5 });
  const warmCache = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-verdict-cache-'));
  try {
    // Fills the warm cache (and warms the page cache for node, the binaries and the template).
    await timedRun(matrix, warmCache);
    await timedRun(matrix, warmCache);
    if (baseline) await timedRun(matrix, warmCache, baseline);
    const template = await templateIn(warmCache);
    await physicalFloor(template);
    const rounds: Round[] = [];
    for (let i = 0; i < reps; i++) {
      const loadAverage = Number(loadavg()[0]!.toFixed(2));
      const floorMs = await physicalFloor(template);
      const coldFloorMs = await physicalFloor(template, true);
      const warm = await timedRun(matrix, warmCache);
      const cold = await coldRun(matrix);
      const round: Round = { floorMs: Math.round(floorMs), coldFloorMs: Math.round(coldFloorMs), warmMs: Math.round(warm.wallMs), coldMs: Math.round(cold.wallMs), loadAverage };
      if (warm.cpuMs !== undefined && cold.cpuMs !== undefined) Object.assign(round, { warmCpuMs: Math.round(warm.cpuMs), coldCpuMs: Math.round(cold.cpuMs) });
      if (baseline) {
        const baseWarm = await timedRun(matrix, warmCache, baseline);
        const baseCold = await coldRun(matrix, baseline);
        Object.assign(round, { baselineWarmMs: Math.round(baseWarm.wallMs), baselineColdMs: Math.round(baseCold.wallMs) });
        if (baseWarm.cpuMs !== undefined && baseCold.cpuMs !== undefined) Object.assign(round, { baselineWarmCpuMs: Math.round(baseWarm.cpuMs), baselineColdCpuMs: Math.round(baseCold.cpuMs) });
      }
      log(`verdict round ${i + 1}/${reps}: ${JSON.stringify(round)}`);
      rounds.push(round);
    }
    const stat = (pick: (r: Round) => number) => ({ median: median(rounds.map(pick)), min: Math.min(...rounds.map(pick)) });
    const floor = stat((r) => r.floorMs);
    const coldFloor = stat((r) => r.coldFloorMs);
    const warm = stat((r) => r.warmMs);
    const cold = stat((r) => r.coldMs);
    return {
      cells: 40,
      reps,
      floorMs: floor,
      coldFloorMs: coldFloor,
      warmMs: warm,
      coldMs: cold,
      ...(TIME ? { warmCpuMs: stat((r) => r.warmCpuMs!), coldCpuMs: stat((r) => r.coldCpuMs!) } : {}),
      ...(baseline ? { baseline, baselineWarmMs: stat((r) => r.baselineWarmMs!), baselineColdMs: stat((r) => r.baselineColdMs!) } : {}),
      ...(baseline && TIME ? { baselineWarmCpuMs: stat((r) => r.baselineWarmCpuMs!), baselineColdCpuMs: stat((r) => r.baselineColdCpuMs!) } : {}),
      // The targets: warm within 1.0 s of the floor, cold within twice the floor (medians; the cold
      // run against both the warm floor and the cold one, which runs initdb instead of copying).
      warmAboveFloorMs: warm.median - floor.median,
      coldOverFloor: Number((cold.median / floor.median).toFixed(2)),
      coldOverColdFloor: Number((cold.median / coldFloor.median).toFixed(2)),
      rounds,
    };
  } finally {
    await rm(warmCache, { recursive: true, force: true });
  }
}

/** A run with an empty template cache (initdb runs, and a template is kept for next time). */
async function coldRun(matrix: string, checkout?: string): Promise<{ wallMs: number; cpuMs?: number }> {
  const cache = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-verdict-cold-'));
  try {
    return await timedRun(matrix, cache, checkout);
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
}

/**
 * The CLI's wall time for one run of `matrix` with every report, the template cache at `cache`, and
 * the CPU time it and its children (PostgreSQL, initdb) used, through /usr/bin/time where there is
 * one: on a shared machine the wall time follows the load, the CPU time much less.
 */
async function timedRun(matrix: string, cache: string, checkout = root): Promise<{ wallMs: number; cpuMs?: number }> {
  const out = await mkdtemp(join(tmpdir(), 'rls-matrix-bench-verdict-out-'));
  const command = [process.execPath, join(checkout, 'bin/rls-matrix.js'), 'run', matrix, '--out', out];
  const timed = TIME ? [TIME, '-f', 'cpu %U %S', ...command] : command;
  const started = performance.now();
  try {
    const stderr = await new Promise<string>((resolve, reject) => {
      const child = spawn(timed[0]!, timed.slice(1), { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RLS_MATRIX_CACHE: cache } });
      let text = '';
      child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`rls-matrix exited ${code}: ${text}`))));
    });
    const wallMs = performance.now() - started;
    const cpu = /^cpu ([\d.]+) ([\d.]+)$/m.exec(stderr);
    return { wallMs, ...(cpu ? { cpuMs: (Number(cpu[1]) + Number(cpu[2])) * 1000 } : {}) };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

async function templateIn(cache: string) {
  const previous = process.env.RLS_MATRIX_CACHE;
  process.env.RLS_MATRIX_CACHE = cache;
  try {
    const template = await findTemplate(embeddedTemplateKey());
    if (!template) throw new Error(`no template in ${templateRoot()} after two runs`);
    return template;
  } finally {
    if (previous === undefined) delete process.env.RLS_MATRIX_CACHE;
    else process.env.RLS_MATRIX_CACHE = previous;
  }
}

/**
 * The physical floor of a warm run: copy the template into a fresh directory where the CLI puts
 * its clusters, start PostgreSQL 18 on it with the same settings, `select 1`, stop it (SIGQUIT: the
 * cluster is thrown away) and remove the directory. No rls-matrix code but the copy. `cold`: initdb
 * (as the provider runs it) instead of the copy, the floor of a run with no template.
 */
async function physicalFloor(template: { dataDir: string; password: string }, cold = false): Promise<number> {
  const bin = join(await embeddedNativeDir(), 'bin');
  const user = await serverOsUser();
  const port = await freePort();
  const started = performance.now();
  const dir = await mkdtemp(join(await clusterParent(), 'rls-matrix-'));
  try {
    if (user) await chmod(dir, 0o755);
    if (cold) await initdb(join(bin, 'initdb'), dir, template.password, user);
    else await copyDataDir(template.dataDir, join(dir, 'data'));
    const child = spawn(join(bin, 'postgres'), ['-D', join(dir, 'data'), '-p', String(port), ...settingsArgs(DISPOSABLE_SERVER_SETTINGS)], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let text = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`postgres exited ${code}: ${text}`)));
    });
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: template.password, database: 'postgres' });
    await client.connect();
    await client.query('select 1');
    await client.end();
    child.kill('SIGQUIT');
    await exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return performance.now() - started;
}

/** initdb as the embedded provider runs it (its flags, a password file), as the server's user. */
async function initdb(program: string, dir: string, password: string, user: { uid: number; gid: number } | undefined): Promise<void> {
  const pwfile = join(dir, 'pw');
  await writeFile(pwfile, password);
  await mkdir(join(dir, 'data'), { mode: 0o700 });
  if (user) await Promise.all([chown(pwfile, user.uid, user.gid), chown(join(dir, 'data'), user.uid, user.gid)]);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(program, ['-D', join(dir, 'data'), '--username=postgres', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--locale=C', '--encoding=UTF8', '--no-sync', '--wal-segsize=1'], {
      cwd: dir,
      stdio: 'ignore',
      env: { ...process.env, LC_ALL: 'C' },
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`initdb exited ${code}`))));
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
