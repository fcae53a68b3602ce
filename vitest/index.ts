/**
 * `rls-matrix/vitest`: a matrix as vitest tests, one per cell, and `asPersona` for the requests a
 * matrix cannot express. Vitest's own reporters (default, verbose, JUnit, GitHub Actions),
 * `--testNamePattern` and watch mode then work on cells as on any test.
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Cell, CellResult } from '../core/index.js';
import { type MatrixSession, openMatrix, type PersonaContext, type RunOptions } from '../harness/index.js';
import { findMatrixFiles } from '../matrix/index.js';
import { cellFailureText, operationLabel } from '../reports/index.js';
import { cellTests, type CellTest, keptCells } from './tests.js';

export type { PersonaContext, PersonaDb } from '../harness/index.js';

/** `runMatrix`'s options but the matrices and reporters (vitest reports), plus how long the cells may take together. */
export interface DescribeMatrixOptions extends Omit<RunOptions, 'matrices' | 'reporters' | 'onProgress' | 'onStage' | 'onStarted'> {
  /** The outer group's name. @default the matrix's name */
  name?: string;
  /** Longest the file's cells may run together (vitest's hook timeout for that step). @default 600000 */
  runTimeoutMs?: number;
}

/** A matrix file or a directory holding one: a path (relative to the working directory) or a `file:` URL (`new URL('./rls/', import.meta.url)`). */
export type MatrixTarget = string | URL;

/** What `describeMatrix` returns: the file's session, once vitest has collected the file. */
export interface DescribedMatrix {
  /** `work` as a persona of this matrix, in a transaction that is always rolled back (see {@link asPersona}). */
  asPersona<T, Supabase = unknown>(persona: string, work: (context: PersonaContext<Supabase>) => Promise<T>): Promise<T>;
}

/** The sessions of this test file, most recent last: `asPersona` uses the one the file opened. */
const sessions: MatrixSession[] = [];

/**
 * Registers one vitest test per cell of the matrices at `matrices` (files, or directories holding
 * `rls-matrix.yaml` or `*.matrix.yaml`; see {@link MatrixTarget}), grouped
 * `table › persona › operation`, each named after its scope and expected verdict. A failing cell's
 * test fails with the command line's wording: expected, observed, rows, SQLSTATE and the matrix's
 * file:line.
 *
 * The cells depend on the database (`"*"` and `defaults` cover every table the migrations create),
 * so the file's database is started and prepared while vitest collects the file; the cells run
 * together in the group's `beforeAll` (only those the test filter keeps), each test reports its own
 * cell, and `afterAll` stops the database. A setup that fails stops what it started and becomes one
 * failing test with the error's message.
 *
 * @example
 * ```ts
 * // rls.test.ts
 * import { describeMatrix } from 'rls-matrix/vitest';
 * describeMatrix('supabase/rls-matrix.yaml');
 * ```
 */
export function describeMatrix(matrices: MatrixTarget | readonly MatrixTarget[], options: DescribeMatrixOptions = {}): DescribedMatrix {
  const targets = (Array.isArray(matrices) ? (matrices as readonly MatrixTarget[]) : [matrices as MatrixTarget]).map((t) => (t instanceof URL ? fileURLToPath(t) : t));
  let session: MatrixSession | undefined;
  // Where describeMatrix is called (the file, usually): the database outlives the cells' group, for asPersona in the file's other tests.
  afterAll(async () => {
    if (!session) return;
    sessions.splice(sessions.indexOf(session), 1);
    await session.close();
  });
  describe(options.name ?? targets.map(shownPath).join(', '), async () => {
    try {
      session = await openMatrix({ ...options, matrices: await findMatrixFiles(targets) });
    } catch (error) {
      test('rls-matrix setup', () => {
        throw error;
      });
      return;
    }
    sessions.push(session);
    registerCells(session, options);
  });
  return {
    asPersona: (persona, work) => {
      if (!session) throw new Error('asPersona: the matrix is not open (call it inside a test of the file that describes the matrix)');
      return session.asPersona(persona, work);
    },
  };
}

/**
 * `work` as `persona` of the matrix this test file describes (with {@link describeMatrix}): `db` is a
 * connection switched to the persona's role and claims inside a transaction that is always rolled
 * back, and `supabase` its supabase-js client when the matrix runs with `executor: 'postgrest'`.
 *
 * @example
 * ```ts
 * import { expect, test } from 'vitest';
 * import { asPersona, describeMatrix } from 'rls-matrix/vitest';
 * describeMatrix('rls-matrix.yaml');
 * test('alice cannot read other teams through the view', () =>
 *   asPersona('alice', async ({ db }) => {
 *     const { rows } = await db.query('select count(*)::int as n from public.team_notes where team_id <> $1', [2]);
 *     expect(rows[0]?.n).toBe(0);
 *   }));
 * ```
 */
export function asPersona<T, Supabase = unknown>(persona: string, work: (context: PersonaContext<Supabase>) => Promise<T>): Promise<T> {
  const session = sessions.at(-1);
  if (!session) throw new Error('asPersona: no matrix is open in this test file: call describeMatrix(...) in it, and asPersona inside a test');
  return session.asPersona(persona, work);
}

/** The cell tests, grouped, and the hooks that run their cells. */
function registerCells(session: MatrixSession, options: DescribeMatrixOptions): void {
  const results = new Map<string, CellResult>();
  let runError: unknown;
  const tests = cellTests(session.cells, shownPath, operationLabel);
  // biome-ignore lint/correctness/noEmptyPattern: vitest requires a destructuring pattern for the hook's (unused) fixtures.
  beforeAll(async ({}, suite) => {
    const kept = keptCells(suite, tests);
    try {
      await session.run({ only: (cell) => kept.has(cell.id), reporters: [{ onCellResult: (result) => void results.set(result.cell.id, result) }] });
    } catch (error) {
      runError = error;
    }
  }, options.runTimeoutMs ?? 600_000);
  registerGroups(tests, (entry) => test(entry.title, () => assertCell(entry.cell, results.get(entry.cell.id), runError)));
}

/** Nested `describe`s along each test's group path, the test itself at the end of it. */
function registerGroups(tests: readonly CellTest[], register: (entry: CellTest) => void): void {
  const [first] = tests;
  if (!first) return;
  if (first.groups.length === 0) {
    for (const entry of tests) register(entry);
    return;
  }
  const byGroup = new Map<string, CellTest[]>();
  for (const entry of tests) {
    const group = entry.groups[0]!;
    byGroup.set(group, [...(byGroup.get(group) ?? []), { ...entry, groups: entry.groups.slice(1) }]);
  }
  for (const [group, entries] of byGroup) describe(group, () => registerGroups(entries, register));
}

/** Passes for a cell that passed (or is a known gap); throws the command line's wording otherwise. */
function assertCell(cell: Cell, result: CellResult | undefined, runError: unknown): void {
  if (runError) throw runError;
  if (!result) throw new Error(`cell ${cell.id} did not run`);
  if (result.status === 'pass' || result.status === 'known') return;
  const failure = new Error(cellFailureText(result));
  failure.name = result.status === 'fail' ? 'RlsMatrixMismatch' : 'RlsMatrixCellError';
  // The harness's own frames say nothing about the cell: the message is the whole story.
  failure.stack = `${failure.name}: ${failure.message}`;
  throw failure;
}

/** A path as a group name: relative to the working directory when inside it. */
function shownPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown && !shown.startsWith('..') ? shown : path;
}
