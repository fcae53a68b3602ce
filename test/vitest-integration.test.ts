import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerTask, RunnerTestFile } from 'vitest';
import { createVitest, type Vitest } from 'vitest/node';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { openMatrix } from '../harness/index.js';
import { startSharedDatabase, tempDir, writeProject } from './helpers.js';

// rls-matrix/vitest as users run it: each scenario is a vitest run through vitest's Node API over a
// project on disk, whose test file imports the built package (`npm run build` first, as `npm test` does).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUILT = join(ROOT, 'dist/vitest/index.js');

/** A finished test as vitest reports it: its full name (groups joined with ' > '), state and first error. */
interface Reported {
  name: string;
  state: string | undefined;
  error?: string;
}

function reportedTests(files: readonly RunnerTestFile[]): Reported[] {
  const out: Reported[] = [];
  const walk = (tasks: readonly RunnerTask[], path: readonly string[]) => {
    for (const task of tasks) {
      if (task.type === 'suite') walk(task.tasks, [...path, task.name]);
      else out.push({ name: [...path, task.name].join(' > '), state: task.result?.state ?? task.mode, ...(task.result?.errors?.[0] ? { error: task.result.errors[0].message } : {}) });
    }
  };
  for (const file of files) walk(file.tasks, []);
  return out;
}

/** A vitest for `root` (its own vitest.config.ts when `config` is not false), importing the built package. */
async function vitestFor(root: string, options: Parameters<typeof createVitest>[1] = {}): Promise<Vitest> {
  return createVitest('test', { root, watch: false, hookTimeout: 180_000, reporters: ['dot'], ...options }, { resolve: { alias: { 'rls-matrix/vitest': BUILT } } });
}

/** Runs every test of `root` once and returns what vitest reported; vitest is closed whatever happens. */
async function runVitest(root: string, options: Parameters<typeof createVitest>[1] = {}): Promise<Reported[]> {
  const vitest = await vitestFor(root, options);
  try {
    await vitest.start();
    return reportedTests(vitest.state.getFiles());
  } finally {
    await vitest.close();
    process.exitCode = 0; // a failing nested run sets it: the failures asserted here are the expected ones
  }
}

const NOTES_SCHEMA = `
create table public.notes (id int primary key, owner uuid not null, body text not null default '');
alter table public.notes enable row level security;
grant select, insert, update, delete on public.notes to authenticated;
create policy own_read on public.notes for select to authenticated using (owner = auth.uid());
create policy own_write on public.notes for update to authenticated using (owner = auth.uid());
`;

const NOTES_MATRIX = `version: 1
database: { migrations: schema.sql }
personas:
  alice: { role: authenticated, id: 00000000-0000-0000-0000-00000000000a }
  bob: { role: authenticated, id: 00000000-0000-0000-0000-00000000000b }
fixtures:
  rows:
    public.notes:
      - { id: 1, owner: "@user.alice" }
      - { id: 2, owner: "@user.bob" }
tables:
  public.notes:
    scopes: { own: owner = auth.uid(), others: owner <> auth.uid() }
    expect:
      alice: { select: { own: allow, others: deny }, update: { own: allow, others: deny }, insert: deny, delete: deny }
      bob:
        select: { own: allow, others: allow }
        update: { own: allow, others: deny }
        insert: deny
        delete: deny
`;

const NOTES_TEST = `import { expect, test } from 'vitest';
import { asPersona, describeMatrix } from 'rls-matrix/vitest';

describeMatrix(new URL('./rls-matrix.yaml', import.meta.url), { name: 'notes' });

test('asPersona: the persona, its claims, and nothing kept', async () => {
  await asPersona('alice', async ({ db, role }) => {
    const { rows } = await db.query('select current_user::text as who, auth.uid()::text as uid, (select count(*)::int from public.notes) as visible');
    expect(rows[0]).toEqual({ who: 'authenticated', uid: '00000000-0000-0000-0000-00000000000a', visible: 1 });
    expect(role).toBe('authenticated');
    await db.query("update public.notes set body = 'changed' where id = 1");
    await expect(db.query('commit')).rejects.toThrow(/transaction control/);
  });
  await asPersona('alice', async ({ db }) => {
    const { rows } = await db.query('select body from public.notes where id = 1');
    expect(rows).toEqual([{ body: '' }]);
  });
  await expect(asPersona('alcie', async () => undefined)).rejects.toThrow("has no persona 'alcie' (did you mean 'alice'?)");
});
`;

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
});
afterAll(async () => {
  await database?.stop();
});

describe('describeMatrix', () => {
  it('a project: one test per cell grouped table › persona › operation, a wrong verdict fails with the CLI wording, asPersona acts as the persona and keeps nothing', async () => {
    const dir = await writeProject({ 'schema.sql': NOTES_SCHEMA, 'rls-matrix.yaml': NOTES_MATRIX, 'notes.test.ts': NOTES_TEST });
    const tests = await runVitest(dir, { config: false, include: ['*.test.ts'] });
    const byName = new Map(tests.map((t) => [t.name, t]));
    // 2 personas × (select own/others, update own/others, insert, delete) + the asPersona test.
    expect(tests).toHaveLength(13);
    expect(byName.get('notes > public.notes > alice > select > own → expected allow')?.state).toBe('pass');
    expect(byName.get('notes > public.notes > alice > select > others → expected deny')?.state).toBe('pass');
    expect(byName.get('notes > public.notes > alice > insert > (table) → expected deny')?.state).toBe('pass');
    expect(byName.get('asPersona: the persona, its claims, and nothing kept')).toEqual({ name: 'asPersona: the persona, its claims, and nothing kept', state: 'pass' });
    // bob's select on others is stated allow, but the policy filters it: only that cell fails, with its own message.
    const failed = tests.filter((t) => t.state === 'fail');
    expect(failed.map((t) => t.name)).toEqual(['notes > public.notes > bob > select > others → expected allow']);
    const message = failed[0]!.error!;
    expect(message.split('\n')[0]).toMatch(/^public\.notes · bob · select · others → expected allow, observed filtered at \S*rls-matrix\.yaml:17:\d+$/);
    expect(message.split('\n').slice(1, 3)).toEqual(['  expected: allow', '  observed: filtered (0 of 1 row visible)']);
    expect(message).toContain('  role:     authenticated');
  }, 300_000);

  it('a setup that fails is one failing test with the error, and nothing else runs', async () => {
    const dir = await writeProject({ 'schema.sql': NOTES_SCHEMA, 'rls-matrix.yaml': NOTES_MATRIX.replace('version: 1', 'version: 2'), 'notes.test.ts': NOTES_TEST });
    const tests = await runVitest(dir, { config: false, include: ['*.test.ts'] });
    const setup = tests.find((t) => t.name === 'notes > rls-matrix setup');
    expect(setup?.state).toBe('fail');
    expect(setup?.error).toContain('only version 1 of the matrix format exists');
    expect(tests.filter((t) => t.name.startsWith('notes > public.notes'))).toEqual([]);
  }, 300_000);

  it('--testNamePattern runs only the cells of the tests it keeps', async () => {
    const dir = await writeProject({ 'schema.sql': NOTES_SCHEMA, 'rls-matrix.yaml': NOTES_MATRIX, 'notes.test.ts': NOTES_TEST });
    const tests = await runVitest(dir, { config: false, include: ['*.test.ts'], testNamePattern: 'alice update' });
    expect(tests.filter((t) => t.state === 'pass').map((t) => t.name)).toEqual([
      'notes > public.notes > alice > update > own → expected allow',
      'notes > public.notes > alice > update > others → expected deny',
    ]);
    expect(tests.filter((t) => t.state === 'fail')).toEqual([]);
  }, 300_000);

  it('vitest --watch re-runs the matrix when a migration changes, with the new policy', async () => {
    const dir = await writeProject({ 'schema.sql': NOTES_SCHEMA, 'rls-matrix.yaml': NOTES_MATRIX, 'notes.test.ts': NOTES_TEST });
    const runs: Reported[][] = [];
    let ran: () => void = () => undefined;
    const vitest = await vitestFor(dir, {
      config: false,
      include: ['*.test.ts'],
      watch: true,
      // As examples/vitest/vitest.config.ts tells vitest: the SQL is no test's import.
      watchTriggerPatterns: [{ pattern: /\.(sql|ya?ml)$/, testsToRun: () => join(dir, 'notes.test.ts') }],
      reporters: [
        {
          onTestRunEnd: () => {
            runs.push(reportedTests(vitest.state.getFiles()));
            ran();
          },
        },
      ],
    });
    const failing = (run: Reported[] | undefined) => run?.filter((t) => t.state === 'fail').map((t) => t.name);
    try {
      await vitest.start();
      expect(failing(runs[0])).toEqual(['notes > public.notes > bob > select > others → expected allow']);
      const rerun = new Promise<void>((resolve) => (ran = resolve));
      // Everyone reads every note now: bob's stated allow passes, alice's stated deny on others fails.
      await writeFile(join(dir, 'schema.sql'), NOTES_SCHEMA.replace('using (owner = auth.uid());\ncreate policy own_write', 'using (true);\ncreate policy own_write'));
      await rerun;
      // The asPersona test counted alice's visible notes (1): it sees the new policy too.
      expect(failing(runs[1])).toEqual(['notes > public.notes > alice > select > others → expected deny', 'asPersona: the persona, its claims, and nothing kept']);
    } finally {
      await vitest.close();
      process.exitCode = 0;
    }
  }, 300_000);

  it('examples/vitest through the Node API: one test per cell of examples/lms, and JUnit from vitest’s reporter', async () => {
    const session = await openMatrix({ matrices: [join(ROOT, 'examples/lms/rls-matrix.yaml')], provider, lint: false });
    const cells = session.cells.length;
    await session.close();
    const out = await tempDir('rls-matrix-junit-');
    const junitFile = join(out, 'junit.xml');
    const tests = await runVitest(join(ROOT, 'examples/vitest'), { reporters: ['junit'], outputFile: junitFile });
    expect(cells).toBeGreaterThan(300);
    expect(tests.filter((t) => t.state === 'pass')).toHaveLength(cells + 1);
    expect(new Set(tests.map((t) => t.name)).size).toBe(cells + 1);
    const junit = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'testcase' || name === 'testsuite' }).parse(await readFile(junitFile, 'utf8'));
    const cases = junit.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase) as { '@_name': string }[];
    expect(cases).toHaveLength(cells + 1);
    const names = cases.map((c) => c['@_name']);
    expect(names.filter((name) => /^LMS > public\.courses > student_a > select > \S+ → expected (allow|deny)$/.test(name)).length).toBeGreaterThan(0);
    expect(names.every((name) => name.startsWith('LMS > ') || name === 'a student sees only the courses of their own school')).toBe(true);
  }, 600_000);
});
