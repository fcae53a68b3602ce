import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { recordMatrix } from '../harness/index.js';
import { untestedCombinations } from '../reports/findings.js';
import { writeReports } from '../reports/index.js';
import { runAndCollect, runProject, sharedDatabaseSuite, writeProject } from './helpers.js';

// `defaults` reaches the storage buckets and functions a matrix names, as it reaches tables: their
// unstated combinations are cells (or, without defaults, untested ones that --fail-on untested counts).
const shared = sharedDatabaseSuite();

const SCHEMA = `
insert into storage.buckets (id, name) values ('docs', 'docs'), ('empty', 'empty');
create policy "read own docs" on storage.objects for select to authenticated
  using (bucket_id = 'docs' and owner = (select auth.uid()));
create policy "upload docs" on storage.objects for insert to authenticated
  with check (bucket_id in ('docs', 'empty') and owner_id = (select auth.uid())::text);
create function public.stats() returns int language sql as $$ select 1 $$;
revoke execute on function public.stats() from public, anon;
grant execute on function public.stats() to authenticated;
`;

const FIXTURES = `fixtures:
  rows:
    storage.objects:
      - { bucket_id: docs, name: a.txt, owner: "@user.alice", owner_id: "@user.alice" }
personas:
  anon: { role: anon }
  alice: { role: authenticated }
`;

const WITHOUT_DEFAULTS = `version: 1
database: { migrations: ./schema.sql }
${FIXTURES}storage:
  docs:
    expect:
      alice:
        download: allow # the only stated storage cell
functions:
  stats:
    expect:
      alice: allow
`;

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** In Chromium (where installed): a bucket's and a function's coverage matrices are drawn with their own columns. */
async function expectDrawnColumns(file: string): Promise<void> {
  if (!existsSync(CHROMIUM)) return;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-rendered="true"]');
    await page.locator('#coverage-tables > summary').click();
    const columns = async (name: string) => {
      const row = page.locator(`details.cov-table[data-table="${name}"]`);
      await row.locator('summary').click();
      await row.locator('table.cov-grid').waitFor();
      return {
        head: await row.locator('thead th').allTextContents(),
        alice: await row
          .locator('tbody tr', { has: page.locator('th', { hasText: 'alice' }) })
          .locator('td')
          .allTextContents(),
      };
    };
    expect(await columns('docs')).toEqual({ head: ['persona', 'upload', 'download', 'overwrite', 'move', 'remove'], alice: ['–', 'S', '–', '–', '–'] });
    expect(await columns('public.stats')).toEqual({ head: ['persona', 'call'], alice: ['S'] });
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
}

describe('defaults and coverage of storage buckets and functions', () => {
  it('without defaults, the unstated verbs of a named bucket and calls of a named function are untested, listed, and fail --fail-on untested', async () => {
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': WITHOUT_DEFAULTS });
    const { meta, summary, results } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider(), failOnUntested: true });
    expect([...results.keys()].sort()).toEqual(['public.stats()/alice/rpc/*', 'storage.objects/alice/download/docs']);
    const coverage = meta.coverage!;
    expect(coverage.buckets).toEqual([
      {
        name: 'docs',
        operations: ['upload', 'download', 'overwrite', 'move', 'remove'],
        personas: {
          anon: { upload: 'untested', download: 'untested', overwrite: 'untested', move: 'untested', remove: 'untested' },
          alice: { upload: 'untested', download: 'stated', overwrite: 'untested', move: 'untested', remove: 'untested' },
        },
        counts: { stated: 1, defaulted: 0, untested: 9, total: 10 },
      },
    ]);
    expect(coverage.functions).toEqual([
      { name: 'public.stats', operations: ['call'], personas: { anon: { call: 'untested' }, alice: { call: 'stated' } }, counts: { stated: 1, defaulted: 0, untested: 1, total: 2 } },
    ]);
    // No table is in the matrix's schemas: the buckets' and the function's combinations are the whole count.
    expect(coverage.counts).toEqual({ stated: 2, defaulted: 0, untested: 10, total: 12 });
    expect(untestedCombinations(meta)).toEqual([
      'storage bucket docs · anon: upload, download, overwrite, move, remove',
      'storage bucket docs · alice: upload, overwrite, move, remove',
      'function public.stats · anon: call',
    ]);
    expect(summary).toMatchObject({ exitCode: 1, untestedFailures: 10 });

    await writeReports(meta, [...results.values()], summary, { outDir: join(dir, 'out'), reporters: ['html', 'markdown'] });
    const html = await readFile(join(dir, 'out', 'report.html'), 'utf8');
    expect(html).toContain('<span class="mono name">bucket docs</span><span><span class="tag">storage</span></span>');
    expect(html).toContain('<span class="mono name">public.stats()</span><span><span class="tag">rpc</span></span>');
    await expectDrawnColumns(join(dir, 'out', 'report.html'));
    const markdown = await readFile(join(dir, 'out', 'summary.md'), 'utf8');
    expect(markdown).toContain('12 table, bucket or function × persona × operation combinations: 2 stated (17%), 0 defaulted (0%), 10 untested (83%)');
    expect(markdown).toContain('- storage bucket docs · alice: upload, overwrite, move, remove\n- function public.stats · anon: call\n');
  }, 120_000);

  it('defaults covers every verb of a named bucket and every persona of a named function; an overwrite with no object is a vacuous error saying why', async () => {
    const matrix = `version: 1
database: { migrations: ./schema.sql }
defaults: deny
${FIXTURES}storage:
  docs:
    expect:
      alice: { download: allow, upload: allow }
  empty:
    scopes: { own: owner = auth.uid() }
    expect:
      alice: { overwrite: { own: allow } }
functions:
  stats:
    expect:
      alice: allow
`;
    const { cell, meta, results } = await runProject({ matrix, schema: SCHEMA }, { provider: shared.provider() });
    expect(cell('public.stats()/anon/rpc/*')).toMatchObject({ cell: { origin: 'default', expected: 'deny' }, status: 'pass', outcome: { class: 'denied:privilege' } });
    expect(cell('storage.objects/anon/upload/docs')).toMatchObject({ cell: { origin: 'default' }, status: 'pass' });
    expect(cell('storage.objects/alice/remove/docs')).toMatchObject({ cell: { origin: 'default', expected: 'deny' }, status: 'pass', outcome: { class: 'filtered' } });
    expect(cell('storage.objects/alice/upload/docs')).toMatchObject({ cell: { origin: 'stated' }, status: 'pass', outcome: { class: 'allowed' } });
    // The empty bucket: its overwrite has nothing to overwrite, whatever the database would answer.
    expect(cell('storage.objects/anon/overwrite/empty')).toMatchObject({
      cell: { origin: 'default' },
      status: 'error',
      outcome: {
        class: 'error',
        vacuous: true,
        reason: "vacuous cell: bucket 'empty' holds no object to overwrite, so the cell proves nothing; add one to storage.objects in the fixtures (bucket_id: empty) or state a scope that has one",
      },
    });
    expect(cell('storage.objects/alice/overwrite/empty:own')).toMatchObject({
      cell: { origin: 'stated' },
      status: 'error',
      outcome: { vacuous: true, reason: expect.stringMatching(/^vacuous cell: scope 'own' of bucket 'empty' holds no object to overwrite, so the cell proves nothing;/) },
    });
    expect([...results.keys()].filter((id) => id.startsWith('storage.objects/')).length).toBe(2 * 2 * 5);
    expect(meta.coverage!.counts).toEqual({ stated: 4, defaulted: 18, untested: 0, total: 22 });
  }, 120_000);

  it('record writes the unstated storage verbs and function calls, marked for review, and leaves an overwrite with nothing to overwrite to a human', async () => {
    // The empty bucket: nothing to overwrite, so no verdict describes its overwrite cells.
    const written = WITHOUT_DEFAULTS.replace('functions:', '  empty: {}\nfunctions:');
    const dir = await writeProject({ 'schema.sql': SCHEMA, 'rls-matrix.yaml': written });
    const file = join(dir, 'rls-matrix.yaml');
    const outcome = await recordMatrix({ matrix: file, provider: shared.provider() });
    expect(outcome.text).toContain(`storage:
  docs:
    expect:
      alice:
        download: allow # the only stated storage cell
        upload: allow # recorded, not reviewed
        overwrite: deny # recorded, not reviewed
        move: filtered # recorded, not reviewed
        remove: filtered # recorded, not reviewed
      anon:
        upload: deny # recorded, not reviewed
        download: filtered # recorded, not reviewed
        overwrite: deny # recorded, not reviewed
        move: filtered # recorded, not reviewed
        remove: filtered # recorded, not reviewed
`);
    expect(outcome.text).toContain(`functions:
  stats:
    expect:
      alice: allow
      anon: deny # recorded, not reviewed
`);
    expect(outcome.recorded).toContainEqual({ section: 'functions', table: 'public.stats', persona: 'anon', operation: 'rpc', verdict: 'deny' });
    // Every verb but upload needs an object of the bucket: none of them is recorded, each says why.
    expect(outcome.unrecorded).toEqual(
      ['alice', 'anon'].flatMap((persona) =>
        ['download', 'move', 'overwrite', 'remove'].map((verb) => ({
          id: `storage.objects/${persona}/${verb}/empty`,
          reason: "bucket 'empty' holds no object: add one to storage.objects in the fixtures (bucket_id: empty), then record again",
        })),
      ),
    );
    expect(outcome.text).toContain('  empty:\n    expect:\n      anon:\n        upload: deny # recorded, not reviewed\n');
    // The file itself is the caller's to write; the recording does not touch it.
    expect(await readFile(file, 'utf8')).toBe(written);
  }, 120_000);
});
