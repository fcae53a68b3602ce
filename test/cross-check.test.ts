import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider, StartedDatabase } from '../database/providers/types.js';
import type { CellResult, RunSummary } from '../core/results.js';
import { createReporters } from '../reports/index.js';
import type { ResultsFile } from '../reports/json.js';
import { runAndCollect, startSharedDatabase } from './helpers.js';

// --cross-check against the real PostgREST: a cell whose executors disagree fails the run and shows
// both requests and answers in every report; cells the API cannot take say how they ran.
const project = join(import.meta.dirname, 'projects/cross-check/rls-matrix.yaml');
let database: StartedDatabase;
let provider: Provider;
let run: { summary: RunSummary; results: Map<string, CellResult> };
let out: string;

beforeAll(async () => {
  ({ database, provider } = await startSharedDatabase());
  out = join(await mkdtemp(join(tmpdir(), 'rls-matrix-cross-check-')), 'report');
  const reports = createReporters({ outDir: out });
  run = await runAndCollect(project, { provider, crossCheck: true, reporters: [reports] });
}, 120_000);
afterAll(async () => database?.stop());

describe('a fidelity mismatch', () => {
  it('fails the cell and the run, with both outcomes and the API request and answer', () => {
    expect(run.summary).toMatchObject({ exitCode: 1, fidelityMismatches: 1, counts: { fail: 1, error: 0 } });
    const result = run.results.get('public.hosted/alice/select/*')!;
    // The SQL executor's request.headers has no Host, so the policy hides the row; PostgREST's has it.
    expect(result).toMatchObject({
      status: 'fail',
      outcome: { class: 'filtered', rows: 0 },
      fidelity: {
        sql: { outcome: { class: 'filtered' }, statement: expect.stringContaining('from "public"."hosted"') },
        postgrest: { outcome: { class: 'allowed', rows: 1 }, exchange: { request: { method: 'GET', url: expect.stringMatching(/\/hosted\?select=\*&id=in\.\(1\)$/) }, response: { status: 200 } } },
      },
    });
  });

  it('is in every report', async () => {
    const text = (file: string) => readFile(join(out, file), 'utf8');
    const junit = await text('junit.xml');
    expect(junit).toContain('fidelity mismatch: SQL executor filtered (0 of 1 rows), PostgREST allowed (1 of 1 rows) for GET');
    expect(junit).toContain('HTTP 200');
    const summary = await text('summary.md');
    expect(summary).toContain('1 fidelity mismatch: the SQL executor and the API disagree');
    expect(summary).toContain('fidelity mismatch: SQL executor filtered');
    const html = await text('report.html');
    expect(html).toContain('fidelity mismatch: SQL executor filtered');
    const results = JSON.parse(await text('results.json')) as ResultsFile;
    expect(results.summary.fidelityMismatches).toBe(1);
    expect(results.results.find((r) => r.cell.id === 'public.hosted/alice/select/*')?.fidelity?.postgrest.exchange?.request.headers).toMatchObject({ authorization: 'Bearer <token of alice>' });
    // Tokens never reach a report.
    for (const file of ['junit.xml', 'summary.md', 'report.html', 'results.json']) expect(await text(file)).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });
});

describe('cells that agree, and cells the API cannot take', () => {
  it('agreeing cells pass with no mismatch recorded, composite keys with quoted values included', () => {
    for (const id of [
      'public.pairs/alice/select/own',
      'public.pairs/alice/select/others',
      'public.pairs/alice/update/own',
      'public.pairs/alice/delete/own',
      'public.plain/alice/select/own',
      'public.plain/alice/select/others',
      'public.plain/alice/update/own',
      'public.plain/alice/update/others',
      'public.plain/alice/delete/own',
      'public.plain/alice/delete/others',
    ]) {
      expect(run.results.get(id), id).toMatchObject({ status: 'pass' });
      expect(run.results.get(id)?.fidelity, id).toBeUndefined();
    }
    // Cross-checked (a cell that ran only as SQL would say so in `via`): PostgREST deleted the same two rows.
    expect(run.results.get('public.pairs/alice/delete/own')).toMatchObject({ outcome: { class: 'allowed', rows: 2, targetRows: 2 } });
    expect(run.results.get('public.pairs/alice/delete/own')?.via).toBeUndefined();
  });

  it('an update without set: on a join table sets a column its rows share, through the API; rows differing in every column keep their own values, as SQL', () => {
    for (const [scope, rows] of [
      ['team_one', 2],
      ['mine', 2],
    ] as const) {
      const result = run.results.get(`public.members/alice/update/${scope}`);
      expect(result, scope).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows, targetRows: rows } });
      expect(result?.via, scope).toBeUndefined();
    }
    expect(run.results.get('public.members/alice/update/team_one')?.sql).toContain('set "team_id" = \'1\'::integer where');
    expect(run.results.get('public.members/alice/update/mine')?.sql).toMatch(/set "user_id" = '[0-9a-f-]{36}'::uuid where/);
    const every = run.results.get('public.members/alice/update/every');
    expect(every).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 3, targetRows: 3 }, via: { executor: 'sql', reason: expect.stringContaining('the 3 rows differ in each') } });
    expect(every?.sql).toContain('set "team_id" = "team_id" where');
  });

  it('storage, a table without a primary key and an unexposed schema run as SQL, and say so', () => {
    expect(run.results.get('storage.objects/alice/download/files')).toMatchObject({ status: 'pass', via: { executor: 'sql', reason: expect.stringContaining('no Storage server') } });
    expect(run.results.get('public.keyless/alice/select/*')).toMatchObject({ status: 'pass', via: { executor: 'sql', reason: expect.stringContaining('no primary key') } });
    expect(run.results.get('private.ledger/alice/select/*')).toMatchObject({ status: 'pass', via: { executor: 'sql', reason: expect.stringContaining('schema private is not exposed') } });
  });
});
