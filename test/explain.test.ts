import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { createReporters } from '../reports/index.js';
import { runAndCollect, sharedDatabaseSuite, tempDir } from './helpers.js';

const shared = sharedDatabaseSuite();
const MATRIX = join(import.meta.dirname, 'projects/explain/rls-matrix.yaml');

/** `row decision policy` for each row a cell's attribution explains, keys replaced by the fixture's body. */
function decisions(result: { attribution?: { rows?: { row: string; decision: string; policy?: string }[] } } | undefined): string[] {
  return (result?.attribution?.rows ?? []).map((r) => `${r.decision}${r.policy ? ` ${r.policy}` : ''}`).sort();
}

it('names the policies that applied to every cell, and for each failing cell the policy that let each row through or the check that refused it', async () => {
  const { results, meta, summary } = await runAndCollect(MATRIX, { provider: shared.provider() });
  const cell = (id: string) => results.get(id)!;
  expect(
    [...results.values()]
      .filter((r) => r.status !== 'pass')
      .map((r) => `${r.cell.id} ${r.outcome.class}`)
      .sort(),
  ).toEqual([
    'public.notes/alice/hand_over/own denied:policy',
    'public.notes/alice/insert/others denied:policy',
    'public.notes/alice/insert/own allowed',
    'public.notes/alice/select/own partial',
    'public.notes/alice/select/team_a_others allowed',
    'public.secrets/anon/select/* denied:privilege',
  ]);
  // Attribution never changes a verdict: the statuses are the classifier's and judge's alone.
  expect(summary.counts).toMatchObject({ total: 8, pass: 2, fail: 6 });

  // The leak: the one row of another user in team a is visible through the permissive "team a reads all".
  const leak = cell('public.notes/alice/select/team_a_others');
  expect(leak.attribution?.policies).toEqual(['not archived', 'own notes', 'team a reads all']);
  expect(decisions(leak)).toEqual(['through team a reads all']);
  expect(leak.attribution?.rows?.[0]?.evaluations.map((e) => `${e.policy}=${String(e.value)}`).sort()).toEqual(['not archived=true', 'own notes=false', 'team a reads all=true']);

  // Partial: alice's own archived note is hidden by the restrictive policy; the other one is let through by "own notes".
  const partial = cell('public.notes/alice/select/own');
  expect(decisions(partial)).toEqual(['hidden not archived', 'through own notes']);
  expect(partial.attribution?.rows?.find((r) => r.decision === 'hidden')?.reason).toBe('hidden: restrictive policy "not archived" (SELECT USING) is false');

  // Inserts: the row is admitted by "write own"'s WITH CHECK, or refused because no permissive check holds.
  expect(decisions(cell('public.notes/alice/insert/own'))).toEqual(['through write own']);
  const refused = cell('public.notes/alice/insert/others');
  expect(decisions(refused)).toEqual(['refused']);
  expect(refused.attribution?.rows?.[0]?.reason).toBe('refused: no permissive INSERT WITH CHECK holds ("write own" false)');

  // An update handing a note over: the visible row's new owner fails "update own"'s check; the archived one is never reached.
  expect(decisions(cell('public.notes/alice/hand_over/own'))).toEqual(['hidden not archived', 'refused']);

  // A privilege denial names the grant that is missing; RLS is not what decided.
  expect(cell('public.secrets/anon/select/*').attribution).toEqual({ policies: [], missingGrant: 'grant select on "public"."secrets" to "anon"' });

  // A passing cell carries the applicable policies, but no per-row work and no replay.
  const passing = cell('public.secrets/alice/select/*');
  expect(passing.attribution).toEqual({ policies: ['signed in'] });
  expect(passing.replay).toBeUndefined();
  expect(leak.replay).toMatch(
    /^begin;\nset constraints all immediate;\nselect set_config\('search_path'.*'role', 'authenticated'.*;\nselect count\(\*\)::int as rows from \(select \* from "public"."notes" where .*\) as cell;\nrollback;\n$/s,
  );
  expect(leak.replay).toContain('Bearer <token of alice>');

  // The definitions, once, in the run's meta.
  expect(meta.policies?.find((p) => p.name === 'not archived')).toEqual({
    table: 'public.notes',
    name: 'not archived',
    command: 'SELECT',
    permissive: false,
    roles: ['authenticated'],
    using: '(NOT archived)',
  });
  expect(meta.personas.find((p) => p.name === 'alice')?.claims).toMatchObject({ role: 'authenticated' });
}, 120_000);

/** The newest database a run made on the shared server (each run makes its own). */
async function newestRunDatabase(): Promise<string> {
  const client = new pg.Client(shared.database().connection);
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(`select datname from pg_database where datname like 'rls_matrix_%' order by oid desc limit 1`);
    return rows[0]!.datname;
  } finally {
    await client.end();
  }
}

const PSQL = '/usr/lib/postgresql/15/bin/psql';

it("a failing cell's replay, pasted into psql against the run's database, reproduces what the cell observed", async (ctx) => {
  if (!existsSync(PSQL)) ctx.skip(`PostgreSQL's psql is not installed at ${PSQL}`);
  const { results } = await runAndCollect(MATRIX, { provider: shared.provider() });
  const database = await newestRunDatabase();
  const { host, port, user, password } = shared.database().connection;
  const psql = async (script: string) => {
    const child = execFile(PSQL, ['-X', '-q', '-h', host, '-p', String(port), '-U', user, '-d', database, '-f', '-'], { env: { ...process.env, PGPASSWORD: password, LC_MESSAGES: 'C' } });
    child.stdin!.end(script);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'close')) as [number];
    return { code, out };
  };

  // The leak: 1 row visible, as the cell observed (allowed, 1 of 1).
  const leak = results.get('public.notes/alice/select/team_a_others')!;
  expect(leak.outcome).toMatchObject({ class: 'allowed', rows: 1 });
  const shown = await psql(leak.replay!);
  expect(shown.code).toBe(0);
  expect(shown.out).toMatch(/ rows \n-{6}\n {4}1\n/);

  // A refused write: the same policy violation, then the rollback leaves nothing.
  const refused = results.get('public.notes/alice/insert/others')!;
  const refusedRun = await psql(refused.replay!);
  expect(refusedRun.out).toContain('ERROR:  new row violates row-level security policy for table "notes"');
  // The missing grant: the same privilege error.
  expect((await psql(results.get('public.secrets/anon/select/*')!.replay!)).out).toContain('ERROR:  permission denied for table secrets');
  // Nothing stayed: the notes are the four fixture rows.
  expect((await psql('select count(*) as n from public.notes;')).out).toMatch(/ n \n---\n 4\n/);
}, 120_000);

it("on someone else's database (--provider url) attribution runs inside the one rolled-back transaction: the same explanations, nothing committed", async () => {
  const admin = new pg.Client(shared.database().connection);
  await admin.connect();
  try {
    await admin.query('create database explain_staging');
  } finally {
    await admin.end();
  }
  const { connection } = shared.database();
  const url = `postgres://${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}@${connection.host}:${connection.port}/explain_staging`;
  const { results } = await runAndCollect(MATRIX, { provider: 'url', providerOptions: { url }, applyMigrations: true });
  expect(decisions(results.get('public.notes/alice/select/team_a_others'))).toEqual(['through team a reads all']);
  expect(decisions(results.get('public.notes/alice/insert/own'))).toEqual(['through write own']);
  expect(decisions(results.get('public.notes/alice/hand_over/own'))).toEqual(['hidden not archived', 'refused']);
  const staging = new pg.Client({ ...connection, database: 'explain_staging' });
  await staging.connect();
  try {
    const { rows } = await staging.query(`select to_regclass('public.notes') as notes, (select count(*)::int from pg_namespace where nspname = 'auth') as auth`);
    expect(rows[0]).toEqual({ notes: null, auth: 0 });
  } finally {
    await staging.end();
  }
}, 120_000);

it('every report says what decided a failing cell, and `rls-matrix explain <cell-id>` prints it from the report folder', async () => {
  const outDir = join(await tempDir('rls-matrix-explain-'), 'report');
  await runAndCollect(MATRIX, { provider: shared.provider(), reporters: [createReporters({ outDir })] });
  const summary = await readFile(join(outDir, 'summary.md'), 'utf8');
  const leakRow = summary.split('\n').find((l) => l.includes('team\\_a\\_others'))!;
  expect(leakRow).toContain('1 row let through by "team a reads all"');
  expect(leakRow).toMatch(/`test\/projects\/explain\/rls-matrix\.yaml:\d+:\d+` \|$/);
  expect(summary).toContain('missing grant: grant select on "public"."secrets" to "anon"');
  const junit = await readFile(join(outDir, 'junit.xml'), 'utf8');
  expect(junit).toContain('  &quot;team a reads all&quot; PERMISSIVE SELECT to authenticated USING (team = &apos;a&apos;::text)');

  let stdout = '';
  let stderr = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: (t: string) => void (stderr += t), isTTY: false, env: { ...process.env, CI: 'true' } };
  expect(await main(['node', 'rls-matrix', 'explain', 'notes/alice/select/team_a', '--report', outDir], io)).toBe(0);
  expect(stdout).toContain('✗ FAIL public.notes/alice/select/team_a_others\n');
  expect(stdout).toContain("  scope team_a_others: owner_id <> auth.uid() and team = 'a'\n");
  expect(stdout).toMatch(/ {2}persona alice: role authenticated, claims \{.*"role":"authenticated".*\}\n/);
  expect(stdout).toContain('  policies that applied (3):\n');
  expect(stdout).toMatch(/ {4}id=[0-9a-f-]+: let through by "team a reads all" \(SELECT USING\)\n/);
  expect(stdout).toContain('  replay (paste into psql connected to the same database; it rolls back):\n    begin;\n');

  // An id no cell has, or a part several share: exit 2 with what to do.
  stderr = '';
  expect(await main(['node', 'rls-matrix', 'explain', 'alice/select', '--report', outDir], io)).toBe(2);
  expect(stderr).toMatch(/cells of .*results\.json match 'alice\/select'; give one id:\n {2}public\.notes\/alice\/select\/own\n/);
}, 120_000);

it("on someone else's database, a failing cell's explanation never shares its savepoint with a pipelined cell: every other persona's insert of the same row is allowed", async () => {
  const admin = new pg.Client(shared.database().connection);
  await admin.connect();
  try {
    await admin.query('create database explain_turns');
  } finally {
    await admin.end();
  }
  const { connection } = shared.database();
  const url = `postgres://${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}@${connection.host}:${connection.port}/explain_turns`;
  const { results } = await runAndCollect(join(import.meta.dirname, 'projects/explain-turns/rls-matrix.yaml'), { provider: 'url', providerOptions: { url }, applyMigrations: true });
  const failing = [...results.values()].filter((r) => r.status !== 'pass').map((r) => `${r.cell.id} ${r.outcome.class}${r.outcome.error ? ` ${r.outcome.error.sqlstate}` : ''}`);
  // Only the six wrong expectations fail; an insert run inside an explanation's savepoint would meet its trial row (23505).
  expect(failing.sort()).toEqual(Array.from({ length: 6 }, (_, g) => `public.slots/w${g}/insert/fixed allowed`));
  expect(results.size).toBe(54);
  for (let g = 0; g < 6; g++) expect(decisions(results.get(`public.slots/w${g}/insert/fixed`))).toEqual(['through anyone writes']);
}, 120_000);
