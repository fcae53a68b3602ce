import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HarnessError } from '../core/errors.js';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import { runMatrix } from '../harness/run.js';
import { startSharedDatabase, writeProject } from './helpers.js';
import { cli } from './providers-helpers.js';

// A gate that checked nothing must not be green: a run with no cell is bad input (exit 2), from
// the command line and from runMatrix alike, and writes no report that could read as a pass.

let database: StartedDatabase;
let provider: Provider;
beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
});
afterAll(async () => {
  await database?.stop();
});

const NOTES = {
  'schema.sql': 'create table public.notes (id int primary key); alter table public.notes enable row level security;',
  'rls-matrix.yaml':
    'version: 1\ndatabase: { migrations: schema.sql }\nfixtures: { rows: { public.notes: [{ id: 1 }] } }\npersonas: { anon: { role: anon } }\ntables: { public.notes: { expect: { anon: deny } } }\n',
};
// Personas but nothing stated, and no defaults: nothing to check.
const EMPTY = {
  'schema.sql': 'create table public.notes (id int primary key);',
  'rls-matrix.yaml': 'version: 1\ndatabase: { migrations: schema.sql }\npersonas: { anon: { role: anon } }\n',
};

describe('a run with no cell', () => {
  it('runMatrix: a --filter that matches nothing is ERR_NO_CELLS (exit 2), naming the filter and how many cells there were', async () => {
    const dir = await writeProject(NOTES);
    const error = await runMatrix({ matrices: [join(dir, 'rls-matrix.yaml')], provider, filter: ['public.nots'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessError);
    expect((error as HarnessError).code).toBe('ERR_NO_CELLS');
    expect((error as HarnessError).exitCode).toBe(2);
    expect((error as HarnessError).message).toBe(
      `--filter public.nots matches none of the 4 cells of ${join(dir, 'rls-matrix.yaml')}, so the run would check nothing: ` +
        'a cell id is table/persona/operation/scope (e.g. public.notes/anon/select); fix the filter, or leave it out to run every cell',
    );
  });

  it('runMatrix: a matrix that states no cell is ERR_NO_CELLS (exit 2), saying what to add', async () => {
    const dir = await writeProject(EMPTY);
    const reached: string[] = [];
    const error = await runMatrix({
      matrices: [join(dir, 'rls-matrix.yaml')],
      provider,
      reporters: [{ onRunStart: () => void reached.push('start'), onRunEnd: () => void reached.push('end') }],
    }).catch((e: unknown) => e);
    expect((error as HarnessError).code).toBe('ERR_NO_CELLS');
    expect((error as HarnessError).message).toBe(
      `${join(dir, 'rls-matrix.yaml')} states no cell, so the run would check nothing: ` +
        'add expectations under tables:, functions: or storage:, or defaults: allow|deny to cover every table of the exposed schemas',
    );
    // No reporter was started: no report can read as a pass.
    expect(reached).toEqual([]);
  });

  it('the command line: exit 2 with the reason, no stack trace, and no report', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'rls-matrix-out-')), 'report');
    const filtered = await cli(['run', await writeProject(NOTES), '--filter', 'nobody', '--out', out]);
    expect(filtered.stderr).toMatch(/^rls-matrix: --filter nobody matches none of the 4 cells of .*rls-matrix\.yaml, so the run would check nothing: /);
    expect(filtered.code).toBe(2);
    const empty = await cli(['run', await writeProject(EMPTY), '--out', out]);
    expect(empty.stderr).toMatch(/^rls-matrix: .*rls-matrix\.yaml states no cell, so the run would check nothing: /);
    expect(empty.code).toBe(2);
    for (const result of [filtered, empty]) expect(result.stdout).not.toContain('PASS');
    expect(existsSync(out)).toBe(false);
  });
});
