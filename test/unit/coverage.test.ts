import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { computeCoverage } from '../../matrix/coverage.js';
import { expandCells } from '../../matrix/expand.js';
import { loadMatrix } from '../../matrix/load.js';
import { writeProject } from '../project-files.js';
import type { FunctionInfo, SchemaCatalog, TableInfo } from '../../core/index.js';

// Coverage is a pure function of the expanded cells and the catalogue: no database needed.
const table = (name: string, kind: TableInfo['kind'] = 'table'): [string, TableInfo] => {
  const [schema, t] = name.split('.') as [string, string];
  return [
    name,
    {
      name,
      schema,
      table: t,
      kind,
      columns: [{ name: 'id', type: 'integer', category: 'N', notNull: true, hasDefault: false, generated: false }],
      primaryKey: ['id'],
      rlsEnabled: true,
      rlsForced: false,
    },
  ];
};
const fn: FunctionInfo = { name: 'public.stats', schema: 'public', function: 'stats', args: [], defaults: 0, returns: 'scalar', securityDefiner: false, volatility: 'volatile' };
const catalog: SchemaCatalog = {
  tables: new Map([table('public.posts'), table('public.comments'), table('public.post_view', 'view'), table('private.jobs')]),
  functions: new Map([['public.stats', [fn]]]),
};

async function load(yaml: string) {
  const dir = await writeProject({ 'rls-matrix.yaml': yaml });
  const matrix = await loadMatrix(join(dir, 'rls-matrix.yaml'));
  return { matrix, cells: expandCells(matrix, catalog), catalog };
}

const A = `version: 1
personas:
  anon: { role: anon }
  alice: { role: authenticated }
  carol: { role: authenticated }
  ghost: { role: authenticated }
tables:
  public.posts:
    scopes: { own: "true" }
    cases:
      rename: { op: update }
    expect:
      alice: { select: { own: allow }, rename: { own: allow }, upsert: allow }
  "*":
    expect:
      anon: deny
functions:
  public.stats:
    expect:
      ghost: allow
`;

describe('computeCoverage', () => {
  it('sorts every table × persona × operation into stated, defaulted ("*" or defaults) and untested', async () => {
    const coverage = computeCoverage([await load(A)]);
    expect(coverage.operations).toEqual(['select', 'insert', 'update', 'delete']);
    expect(coverage.personas).toEqual(['anon', 'alice', 'carol', 'ghost']);
    // Views and tables outside the exposed schemas are not in the grid; a named case counts for its operation.
    expect(coverage.tables.map((t) => t.table)).toEqual(['public.comments', 'public.posts']);
    const posts = coverage.tables.find((t) => t.table === 'public.posts')!;
    expect(posts.personas.alice).toEqual({ select: 'stated', insert: 'untested', update: 'stated', delete: 'untested' });
    expect(posts.personas.anon).toEqual({ select: 'defaulted', insert: 'defaulted', update: 'defaulted', delete: 'defaulted' });
    expect(posts.personas.carol).toEqual({ select: 'untested', insert: 'untested', update: 'untested', delete: 'untested' });
    expect(posts.counts).toEqual({ stated: 2, defaulted: 4, untested: 10, total: 16 });
    // public.stats, named under functions:, adds persona × call: ghost states it, the others leave it untested.
    expect(coverage.functions).toEqual([
      {
        name: 'public.stats',
        operations: ['call'],
        personas: { anon: { call: 'untested' }, alice: { call: 'untested' }, carol: { call: 'untested' }, ghost: { call: 'stated' } },
        counts: { stated: 1, defaulted: 0, untested: 3, total: 4 },
      },
    ]);
    expect(coverage.buckets).toEqual([]);
    expect(coverage.counts).toEqual({ stated: 3, defaulted: 8, untested: 25, total: 36 });
  });

  it('lists tables no matrix names and personas no cell acts as (an rpc cell counts as acting)', async () => {
    const coverage = computeCoverage([await load(A)]);
    expect(coverage.tables.find((t) => t.table === 'public.comments')?.mentioned).toBe(false);
    expect(coverage.unmentionedTables).toEqual(['public.comments']);
    expect(coverage.idlePersonas).toEqual(['carol']);
  });

  it('defaults cover every persona, and several matrices combine: stated anywhere wins', async () => {
    const B = await load(`version: 1
personas:
  alice: { role: authenticated }
  carol: { role: authenticated }
defaults: deny
tables:
  comments:
    expect:
      carol: { delete: allow }
`);
    const coverage = computeCoverage([await load(A), B]);
    const comments = coverage.tables.find((t) => t.table === 'public.comments')!;
    expect(comments.mentioned).toBe(true);
    expect(comments.personas.carol).toEqual({ select: 'defaulted', insert: 'defaulted', update: 'defaulted', delete: 'stated' });
    expect(coverage.tables.find((t) => t.table === 'public.posts')!.personas.alice).toEqual({ select: 'stated', insert: 'defaulted', update: 'stated', delete: 'defaulted' });
    expect(coverage.unmentionedTables).toEqual([]);
    expect(coverage.idlePersonas).toEqual([]);
    // B's defaults reach the function A names only through A's cells: B does not name it.
    expect(coverage.functions[0]!.personas.carol).toEqual({ call: 'untested' });
  });

  it('a named view is not in the grid: it takes select cells only', async () => {
    const viewCatalog: SchemaCatalog = { ...catalog, tables: new Map([...catalog.tables, table('public.post_view', 'view')]) };
    const dir = await writeProject({ 'rls-matrix.yaml': 'version: 1\npersonas: { alice: { role: authenticated } }\ntables:\n  post_view: { expect: { alice: { select: allow } } }\n' });
    const matrix = await loadMatrix(join(dir, 'rls-matrix.yaml'));
    const coverage = computeCoverage([{ matrix, cells: expandCells(matrix, viewCatalog), catalog: viewCatalog }]);
    expect(coverage.tables.map((t) => t.table)).toEqual(['public.comments', 'public.posts']);
  });

  it('counts only the cells that run: a filtered run covers less', async () => {
    const { matrix, cells } = await load(A);
    const coverage = computeCoverage([{ matrix, cells: cells.filter((c) => c.persona !== 'anon'), catalog }]);
    expect(coverage.counts).toMatchObject({ stated: 3, defaulted: 0, untested: 33 });
    expect(coverage.idlePersonas).toEqual(['anon', 'carol']);
  });
});
