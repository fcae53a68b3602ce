import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterEach } from 'vitest';
import type { ConnectionInfo } from '../database/providers/types.js';
import { writeProject } from './helpers.js';

export const root = join(import.meta.dirname, '..');

/** A project whose cells each take about a second (a select policy sleeps): long enough to signal a run mid-way. */
export function slowProject(): Promise<string> {
  return writeProject({
    'schema.sql': `create table public.slow (id serial primary key);
      alter table public.slow enable row level security;
      create policy slow on public.slow for select using (pg_sleep(1) is not null);`,
    'rls-matrix.yaml': `version: 1
database: { migrations: schema.sql }
fixtures: { rows: { public.slow: [{}, {}, {}] } }
personas: { a: { role: anon }, b: { role: authenticated }, c: { role: authenticated }, d: { role: authenticated } }
defaults: allow
`,
  });
}
const bin = join(root, 'bin/rls-matrix.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built command line as a user would, never throwing on exit codes. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}, options: { command?: string[] } = {}): Promise<CliResult> {
  const [file, ...pre] = options.command ?? [process.execPath];
  const began = performance.now();
  return new Promise((resolve) => {
    execFile(file!, [...pre, bin, ...args], { cwd: root, env: { ...process.env, CI: 'true', ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
      resolve({ code, stdout, stderr, ms: performance.now() - began });
    });
  });
}

/** Starts the CLI in the background (for signals), collecting its output. Stopped after the test if it is still running. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, CI: 'true', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const entry = { child, exited };
  running.add(entry);
  void exited.then(() => running.delete(entry));
  return { child, output: () => output, exited };
}

const running = new Set<{ child: ChildProcess; exited: Promise<unknown> }>();
const orphans = new Set<number>();

/** A server process a test leaves running on purpose (a SIGKILLed run's postmaster): killed after the test, should the test fail before it is reaped. */
export function killAfterTest(pid: number): void {
  orphans.add(pid);
}

// A test that fails or times out leaves nothing running: a CLI still running is stopped as a user
// would (SIGTERM: it stops its server and removes its files), SIGKILLed if it does not exit within
// 15 s; a server left behind on purpose is killed.
afterEach(async () => {
  await Promise.all(
    [...running].map(async ({ child, exited }) => {
      child.kill('SIGTERM');
      const timer = new AbortController();
      const late = await Promise.race([exited.then(() => false), sleep(15_000, true, { signal: timer.signal }).catch(() => false)]);
      timer.abort();
      if (late) child.kill('SIGKILL');
      await exited;
    }),
  );
  running.clear();
  for (const pid of orphans) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  orphans.clear();
});

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (killed, not yet reaped by its new parent) is not alive.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const began = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - began > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Cluster directories (`rls-matrix-XXXXXX`) in `dir`, and the live postmaster pid in each. */
export function clustersIn(dir: string): { dir: string; postmasterPid?: number }[] {
  return readdirSync(dir)
    .filter((d) => /^rls-matrix-[A-Za-z0-9]{6}$/.test(d))
    .map((d) => {
      const path = join(dir, d);
      for (const data of readdirSync(path)) {
        const pidFile = join(path, data, 'postmaster.pid');
        const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
        // initdb's single-user backend writes a negative pid; only the postmaster's counts.
        if (pid > 0) return { dir: path, postmasterPid: pid };
      }
      return { dir: path };
    });
}

/** A postgres:// URL for a connection (the password percent-encoded). */
export function urlOf(connection: ConnectionInfo, database = connection.database, user = connection.user, password = connection.password): string {
  return `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${connection.host}:${connection.port}/${database}`;
}

export async function withClient<T>(connection: ConnectionInfo, database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...connection, database });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Everything a run could change in a database, per section: schemas, relations (with their
 * storage file, so a rewrite shows), columns, constraints, indexes, triggers, policies, functions,
 * types, extensions, roles and memberships, every grant (relacl, attacl, nspacl, proacl, datacl,
 * default ACLs), role/database settings, sequence definitions, and an md5 of every table's rows.
 * Not included, because PostgreSQL itself makes them non-transactional: statistics (reltuples,
 * relpages), and sequence positions (nextval is never rolled back).
 */
export async function fingerprint(client: pg.Client): Promise<Record<string, string>> {
  const sections: Record<string, string> = {
    namespaces: `select nspname, nspowner::regrole::text, nspacl::text from pg_namespace order by 1`,
    relations: `select c.oid::int, n.nspname, c.relname, c.relkind, c.relowner::regrole::text, c.relacl::text, c.reloptions::text, c.relrowsecurity, c.relforcerowsecurity,
                       c.relpersistence, c.relnatts, c.relchecks, c.relhastriggers, c.relhasrules, c.relfilenode::int, c.relispartition
                  from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relpersistence <> 't' order by 1`,
    columns: `select attrelid::int, attnum, attname, atttypid::int, attnotnull, atthasdef, attisdropped, attacl::text from pg_attribute where attrelid >= 16384 order by 1, 2`,
    defaults: `select adrelid::int, adnum, pg_get_expr(adbin, adrelid) from pg_attrdef order by 1, 2`,
    constraints: `select conrelid::int, conname, contype, pg_get_constraintdef(oid) from pg_constraint order by 1, 2`,
    indexes: `select indexrelid::int, indrelid::int, indkey::text, pg_get_indexdef(indexrelid) from pg_index order by 1`,
    triggers: `select tgrelid::int, tgname, tgfoid::int, tgenabled from pg_trigger order by 1, 2`,
    policies: `select polrelid::regclass::text, polname, polcmd, polpermissive, polroles::text, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) from pg_policy order by 1, 2`,
    functions: `select oid::int, pronamespace::regnamespace::text, proname, proowner::regrole::text, md5(prosrc), proacl::text, prosecdef, proconfig::text, provolatile from pg_proc order by 1`,
    types: `select oid::int, typnamespace::regnamespace::text, typname, typowner::regrole::text, typacl::text from pg_type order by 1`,
    extensions: `select extname, extversion, extnamespace::regnamespace::text from pg_extension order by 1`,
    roles: `select rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil::text, rolconfig::text from pg_roles order by 1`,
    memberships: `select roleid::regrole::text, member::regrole::text, admin_option from pg_auth_members order by 1, 2`,
    defaultAcls: `select defaclrole::regrole::text, defaclnamespace::int, defaclobjtype, defaclacl::text from pg_default_acl order by 1, 2, 3`,
    databases: `select datname, datdba::regrole::text, datacl::text from pg_database order by 1`,
    settings: `select setdatabase::int, setrole::int, setconfig::text from pg_db_role_setting order by 1, 2`,
    sequences: `select seqrelid::regclass::text, seqtypid::int, seqstart, seqincrement, seqmax, seqmin, seqcache, seqcycle from pg_sequence order by 1`,
  };
  const result: Record<string, string> = {};
  for (const [name, sql] of Object.entries(sections)) {
    // Arrays, not objects: two columns of the same name (pg_get_expr twice) must both count.
    const { rows } = await client.query({ text: sql, rowMode: 'array' });
    result[name] = `${rows.length} rows, md5 ${md5(JSON.stringify(rows))}`;
  }
  const { rows: tables } = await client.query<{ name: string }>(
    `select format('%I.%I', n.nspname, c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and c.relpersistence <> 't' order by 1`,
  );
  for (const { name } of tables) {
    const { rows } = await client.query<{ n: string; digest: string | null }>(`select count(*) as n, md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) as digest from ${name} t`);
    result[`data ${name}`] = `${rows[0]!.n} rows, md5 ${rows[0]!.digest}`;
  }
  return result;
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}
