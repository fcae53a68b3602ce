/**
 * Peer benchmark: runs `supashield test` (npm supashield@0.3.0) against a live database, the way its
 * README says to use it, and reports how many tests it ran and how fast.
 *
 * How supashield 0.3.0 works (read from its dist/cli.js):
 * - Connection: `--url`, else SUPASHIELD_DATABASE_URL, else DATABASE_URL (it also loads `.env` from
 *   the working directory). It refuses any superuser except one literally named `postgres`.
 * - `supashield init` introspects `public` tables with RLS enabled (and storage.buckets, which must
 *   exist: the Supabase shim has it) and writes `.supashield/policy.yaml` in the working directory:
 *   per table two scenarios, `anonymous_user` (claims {} → role anon, expected DENY for all four
 *   operations) and `authenticated_user` (claims {sub: "user-123", role: authenticated} → role
 *   authenticated, expected ALLOW for all four). `test` reads that file from the working directory.
 * - `supashield test` runs one probe per table × scenario × operation (SELECT, INSERT, UPDATE,
 *   DELETE), each in its own transaction on a pooled connection (pool of 10, `--parallel` tables at
 *   a time, default 4): BEGIN; as `postgres` seed one auto-filled row (not for INSERT); set
 *   request.jwt.claims and SET LOCAL ROLE; run `SELECT * … LIMIT 1` / an auto-filled INSERT /
 *   `UPDATE … SET id = id WHERE true` / `DELETE … WHERE 1=1`; ROLLBACK. SELECT/UPDATE/DELETE are
 *   ALLOW when a row comes back / is affected; an error is DENY only when it is 42501 or mentions
 *   "permission denied" / "policy", every other error counts as ALLOW. A seed that fails
 *   (FK, NOT NULL, identity column) makes that probe SKIPPED, still counted in its total.
 * - `--json` prints one JSON document on stdout: {verdict, summary: {total, passed, failed,
 *   skipped, errors, execution_time_ms}, issues[], skipped[]}, or {error} when it could not run.
 *   Exit code 0 when every probe matched its expectation, 1 on any mismatch/error or fatal error.
 * - Bug worked around here: `init` writes shared objects as YAML aliases and `test` parses with the
 *   yaml package's default alias limit, so from ~100 tables on `test` dies with "Excessive alias
 *   count" before testing anything; the generated file is then rewritten alias-free (same content).
 *
 * Installation: into a version-keyed cache directory outside the repository (default
 * `<os tmpdir>/rls-matrix-peers/supashield-0.3.0`) with the ordinary npm client, staged and renamed
 * into place so concurrent runs cannot see a half-installed tree; reused when already complete.
 * The tarball's integrity is checked against the pinned one below. Installing is never timed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseYaml } from 'yaml';

export const SUPASHIELD_VERSION = '0.3.0';
/** The registry's integrity for supashield-0.3.0.tgz: the install is refused if it differs. */
const SUPASHIELD_INTEGRITY = 'sha512-daYzSivPMQSYBBUSJp/xIKruGKHb/28bZ0krsRY7aPCSEv9qm4VAMZntVmV58jZoTYRRH7DCwpNX9ki3XR1ojA==';
const DEFAULT_TIMEOUT_MS = 600_000;
const KILL_GRACE_MS = 2_000;
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const OPERATIONS = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;

export interface PeerResult {
  tool: 'supashield';
  version: string;
  /** supashield's own "total" (table × scenario × operation), skipped probes included. */
  tests: number;
  /** Wall-clock of the `supashield test` process (Node start-up, connect, probes, report). */
  seconds: number;
  testsPerSecond: number;
  /** The `test` process's exit code (1 is normal: mismatches against init's blanket defaults); 124 on timeout. */
  exitCode: number;
  notes: string[];
  /** supashield's JSON summary; absent when it did not finish or print one. */
  summary?: SupashieldSummary;
}

export interface SupashieldSummary {
  verdict: string;
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  /** supashield's own timer: from the start of the `test` action to the end of the probes. */
  executionTimeMs: number;
  /** Tables in the generated policy.yaml that `test` covers (public schema). */
  tables: number;
}

export interface RunSupashieldOptions {
  /** postgres://postgres:…@host:port/db — the user must be `postgres` (or a non-superuser). */
  databaseUrl: string;
  /** Where `.supashield/policy.yaml` is generated (created if missing; `.supashield` is replaced). */
  workDir: string;
  /** Bound for the whole call (install + init + test); children are killed when it passes. @default 600000 */
  timeoutMs?: number;
  /** Where supashield is installed / found. @default <os tmpdir>/rls-matrix-peers/supashield-0.3.0 */
  installDir?: string;
  /** `supashield test --parallel` (1–10). @default 4, supashield's default */
  parallel?: number;
  /** Progress lines (never holds the password). */
  onLog?: (line: string) => void;
}

export async function runSupashield(options: RunSupashieldOptions): Promise<PeerResult> {
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const redact = redactor(options.databaseUrl);
  const log = (line: string) => options.onLog?.(redact(line));
  const parallel = Math.min(Math.max(Math.trunc(options.parallel ?? 4), 1), 10);
  const notes: string[] = [];
  const failed = (exitCode: number, note: string, version = SUPASHIELD_VERSION): PeerResult => ({
    tool: 'supashield',
    version,
    tests: 0,
    seconds: 0,
    testsPerSecond: 0,
    exitCode,
    notes: [...notes, redact(note)],
  });

  // 1. Install or locate.
  const installDir = options.installDir ?? join(tmpdir(), 'rls-matrix-peers', `supashield-${SUPASHIELD_VERSION}`);
  let cli: string;
  let version: string;
  try {
    const install = await ensureInstalled(installDir, deadline, log);
    ({ cli, version } = install);
    notes.push(install.note);
  } catch (error) {
    return failed(1, `install failed: ${(error as Error).message}`);
  }

  // 2. Generate .supashield/policy.yaml from the live schema with supashield's own `init`.
  await mkdir(options.workDir, { recursive: true });
  await rm(join(options.workDir, '.supashield'), { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, SUPASHIELD_DATABASE_URL: options.databaseUrl, NO_COLOR: '1', FORCE_COLOR: '0' };
  log('supashield init');
  const init = await runChild(process.execPath, [cli, 'init', '--verbose'], { cwd: options.workDir, env, deadline });
  if (init.timedOut) return failed(124, 'supashield init timed out', version);
  const policyFile = join(options.workDir, '.supashield', 'policy.yaml');
  if (!existsSync(policyFile)) {
    const why = init.code === 0 ? 'it found no public table with RLS enabled' : `exit ${init.code}: ${firstError(init.stderr) ?? tail(init.stderr || init.stdout)}`;
    return failed(init.code === 0 ? 0 : (init.code ?? 1), `supashield init wrote no policy.yaml (${why}); nothing to test`, version);
  }
  const plan = await readPlan(policyFile);
  const unprotected = rlsDisabledTables(init.stdout);
  notes.push(
    `config: \`supashield init\` generated policy.yaml for ${plan.tables} public table(s) with RLS enabled; ` +
      `scenarios anon (expected DENY ×4) and authenticated sub "user-123" (expected ALLOW ×4), init's defaults`,
  );
  if (unprotected.length > 0)
    notes.push(`not tested: ${unprotected.length} table(s) without RLS (init only warns about them): ${unprotected.slice(0, 10).join(', ')}${unprotected.length > 10 ? ', …' : ''}`);
  if (await dealiasIfUnreadable(policyFile, cli)) {
    notes.push(
      `workaround: supashield's own YAML parser (yaml, default maxAliasCount 100) rejects the policy.yaml its init wrote for ${plan.tables} tables ` +
        `("Excessive alias count"), so \`test\` would run nothing; the same document was rewritten without YAML aliases`,
    );
  }

  // 3. The timed run.
  log(`supashield test --json --parallel ${parallel}`);
  const test = await runChild(process.execPath, [cli, 'test', '--json', '--parallel', String(parallel)], { cwd: options.workDir, env, deadline });
  const seconds = test.ms / 1000;
  const exitCode = test.timedOut ? 124 : (test.code ?? 1);
  if (test.timedOut) notes.push(`killed: \`supashield test\` ran past the ${((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000).toFixed(1)} s bound (install + init + test); no count`);
  const report = parseReport(test.stdout);
  if (report === undefined) {
    if (!test.timedOut) notes.push(`no JSON report (exit ${exitCode}${test.signal ? `, ${test.signal}` : ''}): ${redact(firstError(test.stderr) ?? tail(test.stderr || test.stdout))}`);
    return { tool: 'supashield', version, tests: 0, seconds, testsPerSecond: 0, exitCode, notes };
  }
  if ('error' in report) {
    notes.push(`supashield error: ${redact(String(report.error))}`);
    return { tool: 'supashield', version, tests: 0, seconds, testsPerSecond: 0, exitCode, notes };
  }
  const s = report.summary;
  const summary: SupashieldSummary = {
    verdict: String(report.verdict),
    total: s.total,
    passed: s.passed,
    failed: s.failed,
    skipped: s.skipped,
    errors: s.errors,
    executionTimeMs: s.execution_time_ms,
    tables: plan.tables,
  };
  notes.push(
    `tests = ${plan.tables} tables × ${plan.scenarios} scenarios × 4 operations = ${s.total}: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped (seed row could not be made, nothing checked), ${s.errors} errors` +
      (s.skipped > 0 && seconds > 0 ? `; without the skipped ones ${((s.total - s.skipped) / seconds).toFixed(1)} probes/s` : ''),
    `timed: wall-clock of the \`supashield test\` process (${seconds.toFixed(2)} s, Node start-up included); its own timer says ${(s.execution_time_ms / 1000).toFixed(2)} s; --parallel ${parallel}`,
    `verdict ${summary.verdict} is against init's blanket defaults, not the schema's intent; a probe checks only "some row visible/affected" or "statement did not fail", and counts any error other than permission/policy as ALLOW`,
  );
  if (s.total !== plan.expected) notes.push(`supashield's total ${s.total} differs from the ${plan.expected} probes its config implies`);
  return { tool: 'supashield', version, tests: s.total, seconds, testsPerSecond: seconds > 0 ? s.total / seconds : 0, exitCode, notes, summary };
}

// ---------------------------------------------------------------------------------------------
// install

async function ensureInstalled(dir: string, deadline: number, log: (line: string) => void): Promise<{ cli: string; version: string; note: string }> {
  const found = await installed(dir);
  if (found) return { ...found, note: `supashield ${found.version} from ${dir} (cached install)` };

  await mkdir(join(dir, '..'), { recursive: true });
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(staging, { recursive: true });
    await writeFile(join(staging, 'package.json'), `${JSON.stringify({ name: 'rls-matrix-peer-supashield', private: true }, null, 2)}\n`);
    const [npm, ...npmArgs] = npmCommand();
    const args = [...npmArgs, 'install', `supashield@${SUPASHIELD_VERSION}`, '--save-exact', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', '--prefix', staging];
    log(`npm install supashield@${SUPASHIELD_VERSION} into ${staging}`);
    const started = Date.now();
    const npmEnv = { ...process.env };
    // Settings inherited from an enclosing `npm run` that would redirect or neuter this install.
    for (const key of [
      'npm_config_prefix',
      'npm_config_local_prefix',
      'npm_config_global',
      'npm_config_dry_run',
      'npm_config_package_lock_only',
      'npm_config_workspace',
      'npm_config_workspaces',
      'npm_config_include_workspace_root',
    ])
      delete npmEnv[key];
    const result = await runChild(npm!, args, { cwd: staging, env: npmEnv, deadline, shell: process.platform === 'win32' });
    if (result.timedOut) throw new Error('npm install timed out');
    if (result.code !== 0) throw new Error(`npm install exited ${result.code}: ${tail(result.stderr || result.stdout)}`);
    const lock = JSON.parse(await readFile(join(staging, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string; integrity?: string }> };
    const integrity = lock.packages?.['node_modules/supashield']?.integrity;
    if (integrity !== SUPASHIELD_INTEGRITY) throw new Error(`supashield tarball integrity ${integrity ?? 'missing'} is not the pinned ${SUPASHIELD_INTEGRITY}`);
    if (!(await installed(staging, false))) throw new Error('npm install finished but node_modules/supashield is not usable');
    await writeFile(join(staging, '.complete'), `${SUPASHIELD_VERSION}\n`);
    const resolved = ['pg', 'yaml', 'commander', 'dotenv', 'chalk', 'ora'].map((name) => `${name}@${lock.packages?.[`node_modules/${name}`]?.version ?? '?'}`).join(', ');
    try {
      await rm(dir, { recursive: true, force: true }); // only an incomplete tree can be here
      await rename(staging, dir);
    } catch (error) {
      // Another run won the race: use its tree if it is complete.
      if (!(await installed(dir))) throw error;
    }
    const final = await installed(dir);
    if (!final) throw new Error(`install into ${dir} did not complete`);
    return {
      ...final,
      note: `supashield ${final.version} installed from the npm registry in ${((Date.now() - started) / 1000).toFixed(1)} s into ${dir} (integrity verified; deps ${resolved}); install not timed`,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** The CLI of a complete install of the pinned version in `dir`, if there is one. */
async function installed(dir: string, requireMarker = true): Promise<{ cli: string; version: string } | undefined> {
  try {
    if (requireMarker && (await readFile(join(dir, '.complete'), 'utf8')).trim() !== SUPASHIELD_VERSION) return undefined;
    const pkg = JSON.parse(await readFile(join(dir, 'node_modules', 'supashield', 'package.json'), 'utf8')) as { version?: string };
    const cli = join(dir, 'node_modules', 'supashield', 'dist', 'cli.js');
    if (pkg.version !== SUPASHIELD_VERSION || !existsSync(cli) || !existsSync(join(dir, 'node_modules', 'pg', 'package.json'))) return undefined;
    return { cli, version: pkg.version };
  } catch {
    return undefined;
  }
}

/** The npm that launched us (`npm run bench`), else `npm` on PATH. */
function npmCommand(): string[] {
  const execPath = process.env.npm_execpath;
  if (execPath && /^npm-cli\.[cm]?js$/.test(basename(execPath)) && existsSync(execPath)) return [process.execPath, execPath];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm'];
}

// ---------------------------------------------------------------------------------------------
// config and report

async function readPlan(policyFile: string): Promise<{ tables: number; scenarios: number; expected: number }> {
  const config = parseYaml(await readFile(policyFile, 'utf8'), { maxAliasCount: -1 }) as { tables?: Record<string, { test_scenarios?: { expected?: Record<string, string> }[] }> } | null;
  // `test` without --all-schemas covers only public.* keys.
  const tables = Object.entries(config?.tables ?? {}).filter(([key]) => key.startsWith('public.'));
  let expected = 0;
  let scenarios = 0;
  for (const [, table] of tables) {
    const list = table?.test_scenarios ?? [];
    scenarios = Math.max(scenarios, list.length);
    for (const scenario of list) expected += OPERATIONS.filter((op) => scenario?.expected?.[op]).length;
  }
  return { tables: tables.length, scenarios, expected };
}

/**
 * `init` writes shared objects as YAML anchors/aliases (`*a1`…), and `test` parses the file with the
 * yaml package's default `maxAliasCount` (100): from about 100 tables on it throws "Excessive alias
 * count" and tests nothing. Checks with supashield's own copy of `yaml`; when its parser would throw,
 * rewrites the same document without aliases. Returns whether it rewrote.
 */
async function dealiasIfUnreadable(policyFile: string, cli: string): Promise<boolean> {
  let yaml: typeof import('yaml');
  try {
    yaml = createRequire(cli)('yaml') as typeof import('yaml');
  } catch {
    return false;
  }
  const text = await readFile(policyFile, 'utf8');
  try {
    yaml.parse(text);
    return false;
  } catch (error) {
    if (!/alias/i.test((error as Error).message)) return false; // let `test` report it as it would
  }
  await writeFile(policyFile, yaml.stringify(yaml.parse(text, { maxAliasCount: -1 }), { indent: 2, aliasDuplicateObjects: false }));
  return true;
}

/** The tables `init` listed under its "RLS DISABLED" warning. */
function rlsDisabledTables(initStdout: string): string[] {
  const lines = initStdout.split('\n');
  const start = lines.findIndex((line) => line.includes('have RLS DISABLED'));
  if (start < 0) return [];
  const tables: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s{2}\S+\.\S+\s*$/.test(line)) break;
    tables.push(line.trim());
  }
  return tables;
}

type Report = { error: unknown } | { verdict: unknown; summary: { total: number; passed: number; failed: number; skipped: number; errors: number; execution_time_ms: number } };

function parseReport(stdout: string): Report | undefined {
  const text = stdout.trim();
  // --json prints only the document; be lenient about anything printed before it.
  for (const start of [0, text.lastIndexOf('\n{') + 1]) {
    try {
      const value = JSON.parse(text.slice(start)) as Record<string, unknown>;
      if (value && typeof value === 'object' && 'error' in value) return { error: value.error };
      const summary = value?.summary as Record<string, unknown> | undefined;
      if (summary && typeof summary.total === 'number') {
        const n = (key: string) => (typeof summary[key] === 'number' ? (summary[key] as number) : 0);
        return {
          verdict: value.verdict,
          summary: { total: n('total'), passed: n('passed'), failed: n('failed'), skipped: n('skipped'), errors: n('errors'), execution_time_ms: n('execution_time_ms') },
        };
      }
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// processes

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

const running = new Set<ChildProcess>();
let exitHook = false;

/** Runs a child to completion, killed (TERM, then KILL) when `deadline` passes. Never rejects. */
function runChild(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; deadline: number; shell?: boolean }): Promise<ChildResult> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const child of running) child.kill('SIGKILL');
    });
  }
  return new Promise((resolve) => {
    const started = performance.now();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let bytes = 0;
    let timedOut = false;
    let spawnError: Error | undefined;
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], shell: options.shell ?? false, windowsHide: true });
    running.add(child);
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_OUTPUT_BYTES) into.push(chunk);
    };
    child.stdout!.on('data', collect(out));
    child.stderr!.on('data', collect(err));
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGTERM');
        killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      },
      Math.max(0, options.deadline - Date.now()),
    );
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (code, signal) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      clearTimeout(killTimer);
      running.delete(child);
      resolve({
        code: spawnError ? 127 : code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: spawnError ? `${spawnError.message}\n${Buffer.concat(err).toString('utf8')}` : Buffer.concat(err).toString('utf8'),
        timedOut,
        ms,
      });
    });
  });
}

/** The first `SomethingError: message` line of a Node stack trace, if any. */
function firstError(text: string): string | undefined {
  return /^\s*(?:\w*Error|error): .*$/m.exec(text)?.[0].trim();
}

function tail(text: string, max = 600): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  return trimmed.length > max ? `…${trimmed.slice(-max)}` : trimmed || '(no output)';
}

/** Removes the database password (raw and URL-encoded) from anything we pass on. */
function redactor(databaseUrl: string): (text: string) => string {
  let secrets: string[] = [];
  try {
    const encoded = new URL(databaseUrl).password;
    secrets = [encoded, decodeURIComponent(encoded)].filter((s) => s.length > 0);
  } catch {
    // not a URL: nothing to find
  }
  return (text) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
}
