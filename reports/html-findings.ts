import type { AssembleContext } from './artifact.js';
import { COVERAGE_MARK, failingFindingSet, lintFailureNote, orderedFindings, percent, SEVERITY_MARK, WAIVED_MARK } from './findings.js';
import { formatCount, locationText } from './format.js';
import { escapeHtml } from './html-summary.js';
import { countFindings, type Coverage, type CoverageCounts, type CoverageStatus, type LintFinding } from '../core/index.js';

/**
 * The "Schema lints" and "Coverage" sections of report.html. Server-rendered (readable and printable
 * without JavaScript), every text escaped; only the per-table persona × operation matrices are drawn
 * by the script, when a table is opened, from {@link coverageData}: a 200-table schema costs 200
 * summary lines until someone looks. Internal to `reports/`.
 */

const e = escapeHtml;

/** Both sections, or '' when the run neither linted nor measured coverage. */
export function renderFindings(ctx: Pick<AssembleContext, 'meta' | 'summary' | 'cwd'>): string {
  return `${ctx.meta.lint ? renderLints(ctx.meta.lint, ctx) : ''}${ctx.meta.coverage ? renderCoverage(ctx.meta.coverage) : ''}`;
}

function renderLints(findings: readonly LintFinding[], { summary, cwd }: Pick<AssembleContext, 'summary' | 'cwd'>): string {
  const c = countFindings(findings);
  const failing = failingFindingSet(findings, summary);
  const count = (cls: string, n: number, one: string, many: string) =>
    `<span class="sev ${cls}${n ? '' : ' zero'}" data-lint-count="${cls}">${e(`${SYMBOL[cls]} ${formatCount(n)} ${n === 1 ? one : many}`)}</span>`;
  const counts = [
    count('error', c.error, 'error', 'errors'),
    count('warn', c.warn, 'warning', 'warnings'),
    count('info', c.info, 'info', 'info'),
    count('waived', c.waived, 'waived', 'waived'),
    failing.size ? `<span class="fails-note">${e(lintFailureNote(summary).replace(/^ — /, ''))}</span>` : '',
  ].join('');
  const body = findings.length
    ? `<div class="lint-scroll"><table class="lints"><thead><tr><th>severity</th><th>lint</th><th>object</th><th>finding</th></tr></thead><tbody>${orderedFindings(findings)
        .map((f) => lintRow(f, failing.has(f), cwd))
        .join('')}</tbody></table></div>`
    : '<p class="clean">✔ No lint finding: every check passed on the linted schemas.</p>';
  return `<section class="panel" id="lints"><div class="sec-head"><h3>Schema lints</h3><div class="sev-counts">${counts}</div></div>${body}</section>\n`;
}

const SYMBOL: Record<string, string> = { error: '✘', warn: '⚠', info: 'ℹ', waived: '◌' };

function lintRow(f: LintFinding, fails: boolean, cwd: string): string {
  const classes = ['lint', `sev-${f.severity}`, f.waived ? 'waived' : '', fails ? 'fails' : ''].filter(Boolean).join(' ');
  const severity = f.waived
    ? `<span class="sev waived">${e(WAIVED_MARK)}</span><span class="was">${e(SEVERITY_MARK[f.severity])}</span>`
    : `<span class="sev ${f.severity}">${e(SEVERITY_MARK[f.severity])}</span>${fails ? '<span class="fails-tag">fails the run</span>' : ''}`;
  const object = [
    `<span class="mono obj">${e(f.object)}</span> <span class="ot">${e(f.objectType)}</span>`,
    f.policy ? `<div class="pol">policy <span class="mono">${e(f.policy)}</span></div>` : '',
    f.matrix ? `<div class="mx mono">${e(locationText({ file: f.matrix }, cwd))}</div>` : '',
  ].join('');
  const waiver = f.waived
    ? `<div class="waiver"><strong>Waived:</strong> ${e(f.waived.reason)}${f.waived.source ? ` <span class="mono src">${e(locationText(f.waived.source, cwd))}</span>` : ''}</div>`
    : '';
  return `<tr class="${classes}" data-lint="${e(f.id)}"><td class="sevcell">${severity}</td><td class="mono id">${e(f.id)}</td><td class="objcell">${object}</td><td><div class="msg">${e(f.message)}</div>${waiver}<details class="fix"><summary>Why it matters and how to fix it</summary><p>${e(f.why)}</p><pre><code>${e(f.fix)}</code></pre></details></td></tr>`;
}

/** Tables and personas listed by name in the summary before "and N more" (the per-table list has them all). */
const LIST_CAP = 40;

function renderCoverage(coverage: Coverage): string {
  const { counts } = coverage;
  const legend = (status: CoverageStatus, n: number, what: string) =>
    `<span class="k"><span class="mk m-${status}">${e(COVERAGE_MARK[status])}</span><strong>${e(formatCount(n))}</strong> ${e(status)} <span class="muted">· ${e(percent(n, counts.total))} · ${e(what)}</span></span>`;
  const tags = (items: readonly string[], cls: string) =>
    `${items
      .slice(0, LIST_CAP)
      .map((t) => `<span class="tag ${cls}">${e(t)}</span>`)
      .join('')}${items.length > LIST_CAP ? `<span class="muted"> and ${e(formatCount(items.length - LIST_CAP))} more</span>` : ''}`;
  const lists = [
    coverage.unmentionedTables.length ? `<dt>Tables no matrix names (${coverage.unmentionedTables.length})</dt><dd>${tags(coverage.unmentionedTables, 'mono')}</dd>` : '',
    coverage.idlePersonas.length ? `<dt>Personas that never act (${coverage.idlePersonas.length})</dt><dd>${tags(coverage.idlePersonas, '')}</dd>` : '',
  ].join('');
  // Tables, then storage buckets and functions the matrices name: one list, indexed as coverageData's rows.
  const entries = [
    ...coverage.tables.map((t) => ({ name: t.table, label: t.table, tag: t.mentioned ? '' : '<span class="tag nn">not named</span>', counts: t.counts })),
    ...coverage.buckets.map((b) => ({ name: b.name, label: `bucket ${b.name}`, tag: '<span class="tag">storage</span>', counts: b.counts })),
    ...coverage.functions.map((f) => ({ name: f.name, label: `${f.name}()`, tag: '<span class="tag">rpc</span>', counts: f.counts })),
  ];
  const withUntested = entries.filter((t) => t.counts.untested > 0).length;
  const rows = entries
    .map(
      (t, i) =>
        `<details class="cov-table" data-cov="${i}" data-table="${e(t.name)}"><summary><span class="mono name">${e(t.label)}</span><span>${t.tag}</span>${bar(t.counts, 'mini')}<span class="cnt mono"><span class="n-stated">S ${t.counts.stated}</span><span class="n-defaulted">D ${t.counts.defaulted}</span><span class="n-untested">– ${t.counts.untested}</span></span></summary><div class="cov-m"></div></details>`,
    )
    .join('\n');
  const count = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  const overview = [
    `${count(coverage.tables.length, 'table')} × ${count(coverage.personas.length, 'persona')} × ${coverage.operations.length} operations`,
    ...(coverage.buckets.length ? [`${count(coverage.buckets.length, 'bucket')} × 5 storage verbs`] : []),
    ...(coverage.functions.length ? [`${count(coverage.functions.length, 'function')} × call`] : []),
  ].join(' + ');
  return `<section class="panel" id="coverage"><div class="sec-head"><h3>Coverage</h3><span class="muted">${e(`${formatCount(counts.total)} combinations: ${overview}`)}</span></div>
${bar(counts, 'big')}<div class="cov-legend">${legend('stated', counts.stated, 'written for the table')}${legend('defaulted', counts.defaulted, 'only through "*" or defaults')}${legend('untested', counts.untested, 'no cell')}</div>
${lists ? `<dl class="kv cov-kv">${lists}</dl>` : ''}<details class="cov-tables" id="coverage-tables"><summary>Per ${coverage.buckets.length || coverage.functions.length ? 'table, bucket and function' : 'table'}: ${e(overview)}${withUntested ? ` · ${withUntested} with untested combinations` : ''}</summary><div class="cov-list">
${rows}
</div></details></section>\n`;
}

/**
 * A stacked bar of stated, defaulted and untested shares, as SVG: its widths are attributes, which
 * the page's Content-Security-Policy allows where it forbids `style="width:…"`.
 */
function bar(counts: CoverageCounts, size: 'big' | 'mini'): string {
  const total = counts.total || 1;
  let x = 0;
  const rects = (['stated', 'defaulted', 'untested'] as const)
    .map((s) => {
      const w = (1000 * counts[s]) / total;
      const rect = w > 0 ? `<rect class="b-${s}" x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="10"/>` : '';
      x += w;
      return rect;
    })
    .join('');
  const label = `${counts.stated} stated, ${counts.defaulted} defaulted, ${counts.untested} untested of ${counts.total}`;
  return `<svg class="bar ${size}" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label="${e(label)}"><title>${e(label)}</title>${rects}</svg>`;
}

/** What the script needs to draw a table's matrix: one string per persona, one letter (S, D, U) per operation. */
export interface HtmlCoverage {
  /** operations, in column order */ o: string[];
  /** personas, in row order */ p: string[];
  /** personas that never act */ idle: string[];
  /** per table, then bucket, then function (index = `data-cov`), per persona: `SSDU` */ m: string[][];
  /** a row's own columns where they are not `o` (a bucket's storage verbs, a function's call), by row index */ ro: Record<number, string[]>;
}

const LETTER: Record<CoverageStatus, string> = { stated: 'S', defaulted: 'D', untested: 'U' };

export function coverageData(coverage: Coverage): HtmlCoverage {
  const objects = [...coverage.buckets, ...coverage.functions];
  return {
    o: [...coverage.operations],
    p: coverage.personas,
    idle: coverage.idlePersonas,
    m: [
      ...coverage.tables.map((t) => coverage.personas.map((p) => coverage.operations.map((o) => LETTER[t.personas[p]?.[o] ?? 'untested']).join(''))),
      ...objects.map((t) => coverage.personas.map((p) => t.operations.map((o) => LETTER[t.personas[p]?.[o] ?? 'untested']).join(''))),
    ],
    ro: Object.fromEntries(objects.map((t, i) => [coverage.tables.length + i, [...t.operations]])),
  };
}
