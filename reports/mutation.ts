import { formatLocation, type MutantResult, type MutantStatus, type MutationSummary } from '../core/index.js';
import { formatCount, formatMs, plural, spellControls } from './format.js';
import { escapeHtml } from './html-summary.js';
import type { Paint } from './terminal.js';

/**
 * `rls-matrix mutate`'s results in words, for the console, summary.md and report.html's Mutation
 * panel: the score, then every survivor with its statement and the cell that would kill it. The
 * data comes from `RunSummary.mutation`; nothing here queries anything.
 */

const MARK: Record<MutantStatus, [number, string]> = { killed: [32, '✔ killed'], survived: [31, '✘ survived'], errored: [33, '⚠ errored'], waived: [2, '~ waived'] };

/** `score 66.2 % — 88 killed, 45 survived, 2 errored of 135 mutants`. */
function mutationLine(m: MutationSummary): string {
  const { counts } = m;
  const parts = [`${formatCount(counts.killed)} killed`, `${formatCount(counts.survived)} survived`];
  if (counts.errored) parts.push(`${formatCount(counts.errored)} errored`);
  if (counts.waived) parts.push(`${formatCount(counts.waived)} waived`);
  return `score ${m.score === null ? 'n/a' : `${m.score} %`} — ${parts.join(', ')} of ${plural(counts.total, 'mutant')}`;
}

/** The timings line: the baseline, the mutants' wall time on N workers, the mean per mutant and mutants/s. */
function mutationTimingText(m: MutationSummary): string {
  const t = m.timings;
  return `baseline ${formatMs(t.baselineMs)}, mutants ${formatMs(t.mutantsMs)} on ${plural(m.workers, 'worker')} (${formatMs(t.perMutantMs)} per mutant, ${t.mutantsPerSecond.toFixed(1)} mutants/s)`;
}

export interface MutateConsoleOptions {
  /** Only survivors and the verdict. */
  quiet: boolean;
  paint: Paint;
}

/** The console's account of a mutate run: survivors (statement and suggestion), errored and waived mutants, then the score and verdict. */
export function mutateConsoleText(m: MutationSummary, options: MutateConsoleOptions): string {
  const { paint } = options;
  const shown = m.mutants.filter((r) => r.status === 'survived' || (!options.quiet && r.status !== 'killed'));
  let text = '';
  for (const r of shown) {
    const [code, label] = MARK[r.status];
    text += `${paint(code, label)}  ${r.id}\n    ${r.description}\n    ${paint(2, r.statement)}\n`;
    if (r.suggestion) text += `    → ${r.suggestion}\n`;
    if (r.error) text += `    ${r.error}\n`;
    if (r.waived) text += `    waived: ${r.waived.reason} (${formatLocation(r.waived.source)})\n`;
  }
  for (const w of m.unusedWaivers) text += `${paint(2, '~ unused')}  mutation waiver ${w.mutant} at ${formatLocation(w.source)} matches no surviving mutant (remove it?)\n`;
  const failing = m.failUnder !== undefined && (m.score ?? 100) < m.failUnder;
  const verdict = failing ? paint(31, 'FAIL') : paint(32, m.counts.survived ? 'DONE' : 'PASS');
  const threshold = m.failUnder === undefined ? '' : ` · --fail-under ${m.failUnder}`;
  if (!options.quiet) text += `${mutationTimingText(m)}\n`;
  return `${text}${verdict} mutate: ${mutationLine(m)}${threshold}\n`;
}

/** summary.md's Mutation section: the score line and a table of survivors and errored mutants. */
export function mutationMarkdown(m: MutationSummary): string[] {
  const cell = (text: string) => spellControls(text, { singleLine: true }).replace(/\|/g, '\\|');
  const out = ['', '### Mutation', '', `**${mutationLine(m)}**${m.failUnder === undefined ? '' : ` (--fail-under ${m.failUnder})`} · ${mutationTimingText(m)}`];
  const listed = m.mutants.filter((r) => r.status !== 'killed');
  if (listed.length) {
    out.push('', '| mutant | status | statement | what would kill it |', '|---|---|---|---|');
    for (const r of listed) out.push(`| ${cell(r.id)} | ${r.status} | \`${cell(r.statement)}\` | ${cell(r.suggestion ?? r.error ?? r.waived?.reason ?? '')} |`);
  }
  return out;
}

/** report.html's Mutation panel (server-rendered, readable without JavaScript). */
export function mutationPanelHtml(m: MutationSummary): string {
  const e = escapeHtml;
  const row = (r: MutantResult) =>
    `<tr class="m-${r.status}"><td>${e(MARK[r.status][1])}</td><td class="mono">${e(r.id)}</td><td><code>${e(r.statement)}</code></td><td>${e(r.suggestion ?? r.error ?? (r.cells ? `killed by ${r.cells.join(', ')}` : ''))}${r.waived ? ` — waived: ${e(r.waived.reason)}` : ''}</td></tr>`;
  const order: MutantStatus[] = ['survived', 'errored', 'waived', 'killed'];
  const rows = order.flatMap((status) => m.mutants.filter((r) => r.status === status)).map(row);
  return `<section class="panel" id="mutation"><h3>Mutation</h3><p><strong>${e(mutationLine(m))}</strong>${m.failUnder === undefined ? '' : ` · --fail-under ${m.failUnder}`}</p><p>${e(mutationTimingText(m))}</p>
<table class="lints mutants"><thead><tr><th>status</th><th>mutant</th><th>statement</th><th>what would kill it / killed by</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>\n`;
}
