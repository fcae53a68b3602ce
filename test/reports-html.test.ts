import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReports } from '../reports/index.js';
import { WAIVER_REASON, expectedCounts, makeLargeRun, makeSampleRun } from './fixtures/results-sample.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.resolve('test-output/report.png');
const LINTS_SHOT = path.resolve('test-output/report-lints.png');
const COVERAGE_SHOT = path.resolve('test-output/report-coverage.png');

describe('report.html, as a file', () => {
  let html: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'rls-html-static-'));
    const run = makeSampleRun();
    await writeReports(run.meta, run.results, run.summary, { outDir: dir, reporters: ['html'] });
    html = await readFile(path.join(dir, 'report.html'), 'utf8');
    await rm(dir, { recursive: true, force: true });
  });

  it('references nothing outside itself', () => {
    const markup = html.replace(/<script type="application\/json" id="rls-data">[\s\S]*?<\/script>/, '');
    expect(markup).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(markup).not.toMatch(/<link(?![^>]*rel="icon" href="data:,")[^>]*>/i);
    expect(markup).not.toMatch(/(?:src|href)="(?!data:)/i);
    expect(markup).not.toMatch(/@import|url\(/i);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/);
  });

  it('embeds the results so that no string can close the data script', () => {
    const data = /<script type="application\/json" id="rls-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toMatch(/[<>]/);
    const parsed = JSON.parse(data) as { results: { q: string }[] };
    expect(parsed.results).toHaveLength(expectedCounts.total);
    expect(parsed.results.some((r) => r.q.includes('</script><script>window.__pwned = 1</script>'))).toBe(true);
  });
});

describe('report.html, lints and coverage', () => {
  async function render(run = makeSampleRun()): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), 'rls-html-lint-'));
    try {
      await writeReports(run.meta, run.results, run.summary, { outDir: dir, reporters: ['html'] });
      return await readFile(path.join(dir, 'report.html'), 'utf8');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('renders both sections with hostile names as text: no markup but its own scripts (the results, the policies, the code)', async () => {
    const html = await render();
    expect(html).toContain('<section class="panel" id="lints">');
    expect(html).toContain('<section class="panel" id="coverage">');
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html).not.toMatch(/<img\b/);
    expect(html).toContain('policy <span class="mono">x &#60;/script&#62;&#60;script&#62;window.__pwned = 1');
    expect(html).toContain('\\x07bell \\x00nul');
  });

  it('embeds the coverage matrices compactly for the script to draw on demand', async () => {
    const html = await render();
    const data = JSON.parse(/<script type="application\/json" id="rls-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { coverage: { o: string[]; p: string[]; m: string[][] } };
    expect(data.coverage.o).toEqual(['select', 'insert', 'update', 'delete']);
    expect(data.coverage.p).toEqual(['anon', 'alice', 'bob', 'carol', 'service', 'auditor']);
    // public.audit_log: every persona but auditor reaches select through "*", nothing else.
    expect(data.coverage.m[0]).toEqual(['DUUU', 'DUUU', 'DUUU', 'DUUU', 'DUUU', 'UUUU']);
    expect(html).not.toContain('class="cov-grid"');
  });

  it('fails the verdict when --fail-on counted a finding, even with every cell as expected', async () => {
    const run = makeSampleRun();
    run.results = run.results.filter((r) => r.status === 'pass');
    run.summary.counts = { total: run.results.length, pass: run.results.length, fail: 0, error: 0, known: 0 };
    run.summary.lintFailures = 1;
    run.summary.lintFailOn = 'error';
    const html = await render(run);
    expect(html).toContain('data-verdict="fail"');
    expect(html).toContain(`${run.results.length} cells, every one as expected · 1 lint finding fails the run (--fail-on)`);
    expect(html).toContain('<tr class="lint sev-error fails" data-lint="rls-disabled-in-public">');
    expect(html).toMatch(/<title>[^<]*failed<\/title>/);
  });

  it('leaves both sections out for a run that neither linted nor measured coverage', async () => {
    const run = makeSampleRun();
    delete run.meta.lint;
    delete run.meta.coverage;
    const html = await render(run);
    expect(html).not.toContain('id="lints"');
    expect(html).not.toContain('id="coverage"');
  });
});

describe.skipIf(!existsSync(CHROMIUM))('report.html, in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  const requests: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'rls-html-'));
    const run = makeSampleRun();
    await writeReports(run.meta, run.results, run.summary, { outDir: path.join(dir, 'sample'), reporters: ['html'] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    await page.goto(pathToFileURL(path.join(dir, 'sample', 'report.html')).href);
    await page.waitForSelector('body[data-rendered="true"]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const chip = (cellId: string) => page.locator(`section.table .chip[data-cell="${cellId}"]`);

  it('puts the failures first: right under the verdict, on screen without scrolling, before counts, lints and grids', async () => {
    const box = async (selector: string) => (await page.locator(selector).boundingBox())!;
    const problems = await box('#problems');
    expect(problems.y + 40).toBeLessThan(1000);
    expect(problems.y).toBeGreaterThan((await box('#verdict')).y);
    for (const later of ['#counts', '#lints', '#coverage', 'section.table']) expect(problems.y, later).toBeLessThan((await page.locator(later).first().boundingBox())!.y);
    const first = page.locator('#problem-list details.item summary').first();
    expect(await first.isVisible()).toBe(true);
    const firstBox = (await first.boundingBox())!;
    expect(firstBox.y + firstBox.height).toBeLessThan(1000);
    expect(await first.textContent()).toMatch(/FAIL/);
  });

  it('colours a cell by its status (pass, fail, error, known); what the database did stays as symbol and text', async () => {
    const background = (cellId: string) => chip(cellId).evaluate((e) => getComputedStyle(e).backgroundColor);
    // A leak: observed allowed, expected deny. Red, not the green of "allowed".
    expect(await background('public.content_projects/bob/delete/others')).toBe('rgb(253, 227, 227)');
    expect(await chip('public.content_projects/bob/delete/others').textContent()).toContain('✓allowed');
    // A passing refusal is green, not the colour of a denial.
    expect(await background('public.content_projects/anon/select/*')).toBe('rgb(230, 244, 234)');
    expect(await chip('public.content_projects/anon/select/*').textContent()).toContain('⊘denied:privilege');
  });

  it("shows in a failing cell's detail what decided it, the scope predicate and the claims, and copies its replay", async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const item = page.locator('#problem-list details.item', { hasText: 'bob · delete · others' });
    expect(await item.locator('summary').textContent()).toContain('3 rows let through by "members delete"');
    await item.locator('summary').click();
    const text = await item.locator('.detail-box').textContent();
    expect(text).toContain('Decided by3 rows let through by "members delete"');
    expect(text).toContain('Scope predicateowner_id <> auth.uid()');
    expect(text).toContain('Claims{"sub":"b0b","role":"authenticated"}');
    expect(await item.locator('code.attribution').textContent()).toContain('"members delete" PERMISSIVE DELETE to authenticated USING (team_id IN ( SELECT members.team_id FROM public.members))');
    await item.locator('button.copy').click();
    await expect.poll(() => item.locator('button.copy').textContent()).toBe('Copied');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await item.locator('code.replay-sql').textContent());
    expect(await item.locator('code.replay-sql').textContent()).toMatch(/^begin;\n[\s\S]*rollback;\n$/);
  });

  it('lists each policy with the cells it applied to and the failing cells whose rows it decided', async () => {
    const policies = await page.locator('#policies .pol').allTextContents();
    expect(policies).toHaveLength(2);
    expect(policies[0]).toContain('"members delete" PERMISSIVE DELETE');
    expect(policies[0]).toContain('applied to 1 cell; decided rows of 1 that did not pass: public.content_projects/bob/delete/others');
    expect(policies[1]).toContain('applied to 1 cell');
  });

  it('shows the verdict and the counts', async () => {
    await expect.poll(() => page.locator('#verdict').getAttribute('data-verdict')).toBe('fail');
    const counts = Object.fromEntries(await Promise.all(['pass', 'fail', 'error', 'known', 'total'].map(async (k) => [k, await page.locator(`[data-count="${k}"] .n`).textContent()])));
    expect(counts).toEqual({ pass: '10', fail: '3', error: '2', known: '1', total: '16' });
    expect(await page.locator('#f-count').textContent()).toBe('Showing 16 of 16 cells');
    const provenance = await page.locator('#provenance').textContent();
    for (const text of ['17.6', 'embedded', 'sha256:9f2c4e1b7a0d', '3b7e9c1d2f4a6b8c', 'examples/sample/matrix.yaml']) expect(provenance).toContain(text);
  });

  it('draws a persona × operation grid per table, with a symbol and a status on every cell', async () => {
    expect(await page.locator('section.table').count()).toBe(2);
    expect(await page.locator('section.table .chip').count()).toBe(expectedCounts.total);
    const heads = await page.locator('section.table[data-table="public.content_projects"] thead th').allTextContents();
    expect(heads).toEqual(['persona', 'select', 'insert', 'update', 'delete', 'upsert']);
    const profileHeads = await page.locator('section.table[data-table="public.profiles"] thead th').allTextContents();
    expect(profileHeads).toContain('promote (update)');
    const texts = await page.locator('section.table .chip').allTextContents();
    for (const [symbol, cls] of [
      ['✓', 'allowed'],
      ['∅', 'filtered'],
      ['⊘', 'denied:policy'],
      ['⊘', 'denied:privilege'],
      ['≈', 'partial'],
      ['⚠', 'error'],
      ['○', 'vacuous'],
    ]) {
      expect(
        texts.some((t) => t.includes(`${symbol}${cls}`)),
        `${symbol} ${cls}`,
      ).toBe(true);
    }
    expect(await page.locator('.chip.s-fail .badge.fail').count()).toBe(3);
    expect(await page.locator('.chip.s-error .badge.error').count()).toBe(2);
    expect(await page.locator('.chip.s-known .badge.known').count()).toBe(1);
  });

  it('expands a failing cell to its details', async () => {
    const failing = chip('public.content_projects/alice/update/own');
    expect(await failing.getAttribute('class')).toContain('s-fail');
    await failing.click();
    const detail = page.locator('tr.detail .detail-box').first();
    await expect.poll(() => detail.isVisible()).toBe(true);
    const text = await detail.textContent();
    expect(text).toContain('expected allow, observed partial (2 of 3 rows affected)');
    expect(text).toContain('examples/sample/matrix.yaml:33:7');
    expect(await detail.locator('pre code').textContent()).toBe('UPDATE public.content_projects SET title = title WHERE id IN ($1, $2, $3)');
    expect(await failing.getAttribute('aria-expanded')).toBe('true');
  });

  it('shows SQLSTATE, message and SQL of an errored cell', async () => {
    const errored = chip('public.content_projects/alice/insert/own');
    expect(await errored.textContent()).toContain('⚠error 23502');
    await errored.click();
    const detail = page.locator('tr.detail .detail-box.s-error', { hasText: '23502' });
    await expect.poll(() => detail.count()).toBe(1);
    const text = (await detail.textContent())!;
    expect(text).toContain('SQLSTATE23502');
    expect(text).toContain('null value in column "title"');
    expect(text).toContain('content_projects_title_not_null');
    expect(await detail.locator('pre code').textContent()).toBe('INSERT INTO public.content_projects (creator_mind_id) VALUES ($1)');
  });

  it('shows hostile SQL as text, never as markup', async () => {
    const hostile = chip('public.content_projects/alice/update/others');
    await hostile.click();
    const code = page.locator('tr.detail pre code', { hasText: 'window.__pwned' });
    await expect.poll(() => code.count()).toBe(1);
    expect(await code.textContent()).toContain(`'</script><script>window.__pwned = 1</script><img src="https://evil.example/x.png"`);
    // Control characters are spelled out rather than drawn as missing glyphs.
    expect(await code.textContent()).toContain("]]> \\x07bell \\x00nul' WHERE");
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
  });

  it('lists failures and errors, with details on demand', async () => {
    const items = page.locator('#problem-list details');
    expect(await items.count()).toBe(expectedCounts.fail + expectedCounts.error);
    await items.first().locator('summary').click();
    await expect.poll(() => items.first().locator('.detail-box').count()).toBe(1);
  });

  it('lists the lint findings by severity, the waived one marked with its reason', async () => {
    const count = (k: string) => page.locator(`#lints [data-lint-count="${k}"]`).textContent();
    expect([await count('error'), await count('warn'), await count('info'), await count('waived')]).toEqual(['✘ 1 error', '⚠ 2 warnings', 'ℹ 1 info', '◌ 1 waived']);
    const rows = page.locator('#lints tbody tr.lint');
    expect(await rows.count()).toBe(5);
    expect(await rows.locator('td.sevcell').allTextContents()).toEqual(['✘ error', '⚠ warn', '⚠ warn', 'ℹ info', '◌ waived✘ error']);
    // Colour as well as symbol.
    expect(
      await rows
        .first()
        .locator('.sev')
        .evaluate((el) => getComputedStyle(el).color),
    ).toBe('rgb(207, 34, 46)');

    const waived = page.locator('#lints tr.lint.waived');
    expect(await waived.count()).toBe(1);
    expect(await waived.locator('.objcell').textContent()).toContain('public.tags');
    expect(await waived.locator('.waiver').textContent()).toBe(`Waived: ${WAIVER_REASON} examples/sample/matrix.yaml:12:5`);
    expect(await waived.locator('.waiver').isVisible()).toBe(true);

    const fix = rows.first().locator('details.fix');
    expect(await fix.locator('pre').isVisible()).toBe(false);
    await fix.locator('summary').click();
    await expect.poll(() => fix.locator('pre').isVisible()).toBe(true);
    expect(await fix.locator('pre code').textContent()).toBe('alter table public.audit_log enable row level security;  -- then create the policies it needs');
    expect(await page.locator('#lints .objcell', { hasText: 'window.__pwned' }).count()).toBe(1);
  });

  it('opens the coverage section table by table, drawing each matrix on demand', async () => {
    const text = (await page.locator('#coverage').textContent())!;
    for (const t of ['32 stated', '13 defaulted', '27 untested', 'Tables no matrix names (1)', 'public.audit_log', 'Personas that never act (1)', 'auditor']) expect(text).toContain(t);
    const list = page.locator('#coverage-tables');
    expect(await list.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await page.locator('details.cov-table').count()).toBe(3);
    expect(await page.locator('details.cov-table').first().isVisible()).toBe(false);
    await list.locator('> summary').click();
    await expect.poll(() => page.locator('details.cov-table').first().isVisible()).toBe(true);
    expect(await page.locator('table.cov-grid').count()).toBe(0);

    const audit = page.locator('details.cov-table[data-table="public.audit_log"]');
    expect(await audit.locator('summary').textContent()).toContain('not named');
    await audit.locator('summary').click();
    const grid = audit.locator('table.cov-grid');
    await expect.poll(() => grid.isVisible()).toBe(true);
    expect(await grid.locator('thead th').allTextContents()).toEqual(['persona', 'select', 'insert', 'update', 'delete']);
    const marks = (persona: string) =>
      grid
        .locator('tbody tr', { has: page.locator('th', { hasText: persona }) })
        .locator('td')
        .allTextContents();
    expect(await marks('anon')).toEqual(['D', '–', '–', '–']);
    expect(await grid.locator('tbody th', { hasText: 'auditor' }).textContent()).toBe('auditornever acts');

    const projects = page.locator('details.cov-table[data-table="public.content_projects"]');
    await projects.locator('summary').click();
    await expect.poll(() => projects.locator('table.cov-grid').count()).toBe(1);
    const row = (persona: string) =>
      projects
        .locator('tbody tr', { has: page.locator('th', { hasText: persona }) })
        .locator('td')
        .allTextContents();
    expect(await row('alice')).toEqual(['S', 'S', 'S', 'S']);
    expect(await row('service')).toEqual(['D', 'D', 'D', 'D']);
    expect(await projects.locator('td .mk.m-stated').first().getAttribute('title')).toBe('anon · select: stated');
    // Closing and reopening does not draw it twice.
    await projects.locator('summary').click();
    await projects.locator('summary').click();
    expect(await projects.locator('table.cov-grid').count()).toBe(1);
  });

  it('saves screenshots of the whole page, the lints and the coverage, each the size the page lays it out at', async () => {
    await mkdir(path.dirname(SCREENSHOT), { recursive: true });
    // A PNG's IHDR chunk holds its width and height (bytes 16–23, big-endian).
    const size = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });
    const scale = await page.evaluate(() => window.devicePixelRatio);
    const laidOut = (box: { width: number; height: number } | null) => ({ width: Math.round(box!.width * scale), height: Math.round(box!.height * scale) });

    const whole = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const pageSize = await page.evaluate(() => ({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight }));
    expect(size(whole)).toEqual(laidOut(pageSize));
    for (const [selector, file] of [
      ['#lints', LINTS_SHOT],
      ['#coverage', COVERAGE_SHOT],
    ] as const) {
      const section = page.locator(selector);
      const box = await section.boundingBox();
      expect(box!.height).toBeGreaterThan(50);
      const shot = await section.screenshot({ path: file });
      // Element screenshots round the box to whole pixels: within one pixel of it.
      expect(Math.abs(size(shot).width - laidOut(box).width)).toBeLessThanOrEqual(1);
      expect(Math.abs(size(shot).height - laidOut(box).height)).toBeLessThanOrEqual(1);
    }
    for (const file of [SCREENSHOT, LINTS_SHOT, COVERAGE_SHOT]) expect(existsSync(file)).toBe(true);
  });

  it('filters: failures only, by persona, by table, by text', async () => {
    await page.locator('#f-failures').check();
    expect(await page.locator('section.table .chip').count()).toBe(expectedCounts.fail + expectedCounts.error);
    expect(await page.locator('section.table .chip.s-pass, section.table .chip.s-known').count()).toBe(0);
    expect(await page.locator('#f-count').textContent()).toBe('Showing 5 of 16 cells');
    // Only content_projects has problems.
    expect(await page.locator('section.table').count()).toBe(1);
    await page.locator('#f-failures').uncheck();

    await page.locator('#f-persona').selectOption('bob');
    const bobRows = await page.locator('section.table tbody th').allTextContents();
    expect(bobRows.every((t) => t.startsWith('bob'))).toBe(true);
    expect(await page.locator('section.table .chip').count()).toBe(4);
    await page.locator('#f-persona').selectOption('');

    await page.locator('#f-table').selectOption('public.profiles');
    expect(await page.locator('section.table').count()).toBe(1);
    expect(await page.locator('section.table').getAttribute('data-table')).toBe('public.profiles');
    await page.locator('#f-table').selectOption('');

    await page.locator('#f-search').fill('p0001');
    await expect.poll(() => page.locator('section.table .chip').count()).toBe(1);
    await page.locator('#f-search').fill('');
    await expect.poll(() => page.locator('section.table .chip').count()).toBe(expectedCounts.total);
  });

  it('prints without the toolbar', async () => {
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.toolbar').isVisible()).toBe(false);
    expect(await page.locator('section.table').first().isVisible()).toBe(true);
    await page.emulateMedia({ media: 'screen' });
  });

  it('made no request beyond the file itself, and logged no error', () => {
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('loads a 10,000-cell report', async () => {
    const run = makeLargeRun(10_000);
    const out = path.join(dir, 'large');
    const t0 = performance.now();
    await writeReports(run.meta, run.results, run.summary, { outDir: out, reporters: ['html'] });
    const written = performance.now() - t0;
    const large = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const external: string[] = [];
    large.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url());
    });
    const t1 = performance.now();
    await large.goto(pathToFileURL(path.join(out, 'report.html')).href);
    await large.waitForSelector('body[data-rendered="true"]', { timeout: 60_000 });
    const loaded = performance.now() - t1;
    const renderMs = await large.getAttribute('body', 'data-render-ms');
    expect(await large.locator('#f-count').textContent()).toBe('Showing 10,000 of 10,000 cells');
    const t2 = performance.now();
    await large.locator('#f-failures').check();
    const problemsShown = await large.locator('section.table .chip').count();
    const filtered = performance.now() - t2;
    expect(problemsShown).toBe(run.summary.counts.fail + run.summary.counts.error);
    expect(external).toEqual([]);
    // 200 tables of coverage cost 200 closed summary lines: no matrix is drawn until one is opened.
    expect(await large.locator('details.cov-table').count()).toBe(200);
    expect(await large.locator('details.cov-table[open], table.cov-grid').count()).toBe(0);
    // Informational only: no timed assertion.
    process.stdout.write(`10,000 cells: written in ${written.toFixed(0)} ms, loaded in ${loaded.toFixed(0)} ms (script ${renderMs} ms), failures filter in ${filtered.toFixed(0)} ms\n`);
    await large.close();
  }, 120_000);
});
