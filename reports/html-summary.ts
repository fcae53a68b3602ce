import type { AssembleContext } from './artifact.js';
import { CLASS_SYMBOL, formatCount, formatMs, planAlongsideText, relativePath, setupText, spellControls, VACUOUS_SYMBOL } from './format.js';

/**
 * The server-rendered part of report.html: verdict, counts, timings, provenance, legend and the empty
 * containers the script fills. Readable (and printable) without JavaScript. Internal to `reports/`.
 */

/** Escapes text for HTML element content and double-quoted attributes, control characters spelled out (`spellControls`). */
export function escapeHtml(value: string): string {
  return spellControls(value).replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Whether the run passed: no mismatch, no error, and no lint finding that --fail-on counted. */
export function passed(ctx: Pick<AssembleContext, 'counts' | 'summary'>): boolean {
  return ctx.counts.fail + ctx.counts.error === 0 && !((ctx.summary.lintFailures ?? 0) > 0) && !((ctx.summary.untestedFailures ?? 0) > 0);
}

/** The `<body>` content above the grids; `sections` (lints, coverage) go between the panels and the toolbar. */
export function renderSummary(ctx: AssembleContext, sections = ''): string {
  const { meta, summary, counts, cwd } = ctx;
  const e = escapeHtml;
  const ok = passed(ctx);
  const knownNote = counts.known ? ` · ${formatCount(counts.known)} known gap${counts.known === 1 ? '' : 's'}` : '';
  const lintFailures = summary.lintFailures ?? 0;
  const lintNote = lintFailures > 0 ? ` · ${formatCount(lintFailures)} lint finding${lintFailures === 1 ? ' fails' : 's fail'} the run (--fail-on)` : '';
  const headline =
    counts.fail + counts.error === 0
      ? `${formatCount(counts.total)} cells, every one as expected${knownNote}${lintNote}`
      : `${formatCount(counts.fail)} mismatch${counts.fail === 1 ? '' : 'es'} and ${formatCount(counts.error)} error${counts.error === 1 ? '' : 's'} in ${formatCount(counts.total)} cells${knownNote}${lintNote}`;
  const t = summary.timings;
  const card = (cls: string, key: string, n: string, label: string): string => `<div class="card ${cls}" data-count="${key}"><div class="n">${e(n)}</div><div class="l">${e(label)}</div></div>`;
  const kv = (pairs: [string, string | undefined, string?][]): string =>
    pairs
      .filter((p): p is [string, string, string?] => p[1] !== undefined && p[1] !== '')
      .map(([k, v, cls]) => `<dt>${e(k)}</dt><dd${cls ? ` class="${cls}"` : ''}>${e(v)}</dd>`)
      .join('');
  const swatch = (cls: string, symbol: string, label: string): string =>
    `<span class="sw"><span class="chip ${cls} legend-chip"><span class="obs"><span class="sym">${e(symbol)}</span>${e(label)}</span></span></span>`;
  return `<header class="top"><h1>RLS matrix report</h1><span class="sub">${e(meta.matrixName)}</span><span class="sub">generated ${e(ctx.generatedAt.toISOString())}</span></header>
<main>
<div class="banner ${ok ? 'ok' : 'bad'}" id="verdict" data-verdict="${ok ? 'pass' : 'fail'}"><span class="big">${ok ? '✔ PASSED' : '✘ FAILED'}</span><span>${e(headline)}${summary.untestedFailures ? e(` · ${formatCount(summary.untestedFailures)} untested combinations fail the run (--fail-on untested)`) : ''}</span></div>${(meta.warnings ?? []).map((w) => `<div class="panel warning" role="note">⚠ ${e(w)}</div>`).join('')}
<section class="panel" id="problems"><h3>Failures and errors (${formatCount(counts.fail + counts.error)})</h3><div id="problem-list"></div></section>
<div class="cards" id="counts">
${card('pass', 'pass', formatCount(counts.pass), '✔ pass')}
${card('fail', 'fail', formatCount(counts.fail), '✘ fail')}
${card('error', 'error', formatCount(counts.error), '⚠ error')}
${card('known', 'known', formatCount(counts.known), '◐ known gap')}
${card('', 'total', formatCount(counts.total), 'cells')}
${card('', 'duration', formatMs(t.totalMs), 'total time')}
${card('', 'rate', formatCount(summary.cellsPerSecond), 'cells / s')}
</div>
<div class="panels">
<div class="panel" id="provenance"><h3>Provenance</h3><dl class="kv">${kv([
    ['Matrix', meta.matrixName],
    ['Matrix files', meta.matrixFiles.map((f) => relativePath(f, cwd)).join(', '), 'mono'],
    ['PostgreSQL', meta.postgresVersion],
    ['Provider', meta.provider],
    ['Schema fingerprint', meta.schemaFingerprint, 'mono'],
    ['Git commit', meta.gitCommit, 'mono'],
    ['Run by', meta.actor],
    ['CI run', meta.ciRunUrl, 'mono'],
    ['Started', meta.startedAt],
    ['Finished', summary.finishedAt],
    ['Tool', `${meta.tool.name} ${meta.tool.version}`],
    ['Personas', meta.personas.map((p) => p.name).join(', ')],
  ])}</dl></div>
<div class="panel" id="timings"><h3>Timings</h3><dl class="kv">${kv([
    ['Setup', setupText(t)],
    ['Execution', `${formatMs(t.executionMs)} on ${meta.workers} worker${meta.workers === 1 ? '' : 's'}${planAlongsideText(t)}`],
    ['Throughput', `${formatCount(summary.cellsPerSecond)} cells/s`],
    ['Total', formatMs(t.totalMs)],
  ])}</dl>
<h3 class="legend-title">Legend</h3><p class="muted">A cell's colour is its status; its symbol and text say what the database did.</p><div class="legend">${[
    swatch('k-pass', '✔', 'pass'),
    swatch('k-fail', '✘', 'fail'),
    swatch('k-error', '⚠', 'error'),
    swatch('k-known', '◐', 'known gap'),
    swatch('', CLASS_SYMBOL.allowed, 'allowed'),
    swatch('', CLASS_SYMBOL.partial, 'partial'),
    swatch('', CLASS_SYMBOL.filtered, 'filtered'),
    swatch('', CLASS_SYMBOL['denied:policy'], 'denied:policy / privilege'),
    swatch('', CLASS_SYMBOL.error, 'error'),
    swatch('', VACUOUS_SYMBOL, 'vacuous'),
  ].join(
    '',
  )}<span class="sw"><span class="badge pass">✔ PASS</span><span class="badge fail">✘ FAIL</span><span class="badge error">⚠ ERROR</span><span class="badge known">◐ KNOWN</span></span></div></div>
</div>
${sections}<div class="toolbar" role="search">
<label><input type="checkbox" id="f-failures"> Failures and errors only</label>
<label>Persona <select id="f-persona"><option value="">all</option></select></label>
<label>Table <select id="f-table"><option value="">all</option></select></label>
<label>Search <input type="search" id="f-search" placeholder="cell, SQL, SQLSTATE, message"></label>
<span class="count" id="f-count"></span>
</div>
<div id="tables"><noscript><div class="empty">The grid needs JavaScript; results.json holds the same data.</div></noscript></div>
<section class="panel hidden" id="policies"><h3>Policies, and the cells they decided</h3><div id="policy-list"></div></section>
<footer>${e(`${meta.tool.name} ${meta.tool.version}`)} · this file is self-contained and makes no network request · results.json holds the same data for tools</footer>
</main>
`;
}
