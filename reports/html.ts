import { createHash } from 'node:crypto';
import { type CellResult, knownReason, OPERATIONS, ROW_VERB, verdictText } from '../core/index.js';
import type { ArtifactWriter, AssembleContext } from './artifact.js';
import { attributionLines, cellPolicies, decidingText, policyText } from './attribution.js';
import { errorText, exchangeText, executorText, locationText, mismatchText, spellControls } from './format.js';
import { HTML_CLIENT } from './html-client.js';
import { HTML_STYLE } from './html-style.js';
import { coverageData, renderFindings } from './html-findings.js';
import { escapeHtml, passed, renderSummary } from './html-summary.js';
import { mutationPanelHtml } from './mutation.js';

/** File name of the HTML report inside the report directory. */
export const HTML_FILE = 'report.html';

/**
 * One cell as the page's script reads it: short keys, because a 10,000-cell report embeds 10,000 of
 * these. `c` is set only for a named case, `s` only for a scoped cell.
 */
interface HtmlRow {
  /** cell id */ i: string;
  /** table */ t: string;
  /** persona */ p: string;
  /** operation */ o: string;
  /** case name */ c?: string;
  /** scope */ s?: string;
  /** expected verdict, as text */ e: string;
  /** known-gap reason */ k?: string;
  /** origin of the verdict */ g: string;
  /** status */ st: CellResult['status'];
  /** observed class */ oc: CellResult['outcome']['class'];
  /** vacuous */ v?: 1;
  /** rows returned or affected */ r: number;
  /** rows of the scope */ n: number;
  /** database error */ er?: CellResult['outcome']['error'];
  /** outcome reason */ why?: string;
  /** mismatch text (fail) */ m?: string;
  /** error text (error) */ x?: string;
  /** SQL */ q: string;
  /** PostgreSQL role */ ro: string;
  /** duration, ms */ ms: number;
  /** source file:line:column */ src: string;
  /** values written (set or row), as JSON */ w?: string;
  /** how the cell ran, when the run asked for the API */ ex?: string;
  /** the API request and its answer (the PostgREST side of a fidelity mismatch, or the cell's own) */ api?: string;
  /** the scope's SQL predicate */ sp?: string;
  /** what decided the cell, in one phrase (cells that did not pass) */ dp?: string;
  /** the policy attribution, as lines (cells that did not pass) */ at?: string;
  /** the replay: statements to paste into psql */ rp?: string;
}

/** One policy as the per-policy view shows it: its definition, how many cells it applied to, the cells whose rows it decided. */
interface HtmlPolicy {
  table: string;
  text: string;
  applied: number;
  decided: string[];
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('base64');
/** Only this stylesheet and this script may run: a forgotten external reference would be blocked, not fetched. */
const CSP = `default-src 'none'; style-src 'sha256-${sha256(HTML_STYLE)}'; script-src 'sha256-${sha256(HTML_CLIENT)}'; img-src data:; base-uri 'none'; form-action 'none'`;

/**
 * report.html: one self-contained file (inline CSS and script, no network request, opens from file://).
 * The summary is rendered here; the results are embedded as JSON in a `<script type="application/json">`
 * and drawn by a small script as a persona × operation grid per table, with details on click, filters
 * and print styles.
 *
 * @example
 * ```ts
 * const html = renderArtifact(createHtmlWriter(), ctx, results);
 * ```
 */
export function createHtmlWriter(): ArtifactWriter {
  let first = true;
  let cwd = process.cwd();
  let meta: AssembleContext['meta'] | undefined;
  let policies = new Map<string, HtmlPolicy>();
  return {
    file: HTML_FILE,
    begin(ctx) {
      first = true;
      cwd = ctx.cwd;
      meta = ctx.meta;
      policies = new Map((ctx.meta.policies ?? []).map((p) => [policyKey(p.table, p.name, p.matrix), { table: p.table, text: policyText(p), applied: 0, decided: [] }]));
      const header = {
        operations: OPERATIONS,
        rowVerbs: ROW_VERB,
        tables: ctx.tables.map((t) => t.name),
        personas: ctx.meta.personas,
        generatedAt: ctx.generatedAt.toISOString(),
        ...(ctx.meta.coverage ? { coverage: coverageData(ctx.meta.coverage) } : {}),
      };
      const prefix = scriptJson(header).slice(0, -1);
      return `${head(ctx)}<body>\n${renderSummary(ctx, `${renderFindings(ctx)}${ctx.summary.mutation ? mutationPanelHtml(ctx.summary.mutation) : ''}`)}<script type="application/json" id="rls-data">${prefix},"results":[\n`;
    },
    add(result) {
      countPolicies(policies, meta, result);
      const text = `${first ? '' : ',\n'}${scriptJson(htmlRow(result, cwd, meta))}`;
      first = false;
      return text;
    },
    end() {
      return `\n]}</script>\n<script type="application/json" id="rls-policies">${scriptJson([...policies.values()])}</script>\n<script>${HTML_CLIENT}</script>\n</body>\n</html>\n`;
    },
  };
}

function head(ctx: AssembleContext): string {
  const title = `RLS matrix: ${ctx.meta.matrixName} — ${passed(ctx) ? 'passed' : 'failed'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="${escapeHtml(`${ctx.meta.tool.name} ${ctx.meta.tool.version}`)}">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${HTML_STYLE}</style>
</head>
`;
}

/** The compact form of a result that the page embeds. */
function htmlRow(result: Readonly<CellResult>, cwd: string, meta: AssembleContext['meta'] | undefined): HtmlRow {
  const { cell, outcome } = result;
  const row: HtmlRow = {
    i: cell.id,
    t: cell.table,
    p: cell.persona,
    o: cell.operation,
    e: verdictText(cell.expected),
    g: cell.origin,
    st: result.status,
    oc: outcome.class,
    r: outcome.rows,
    n: outcome.targetRows,
    q: result.sql,
    ro: result.role,
    ms: result.durationMs,
    src: locationText(cell.source, cwd),
  };
  if (cell.caseName && cell.caseName !== cell.operation) row.c = cell.caseName;
  if (cell.scope !== undefined) row.s = cell.scope;
  const known = knownReason(cell.expected);
  if (known !== undefined) row.k = known;
  if (outcome.vacuous) row.v = 1;
  if (outcome.error) row.er = outcome.error;
  if (outcome.reason) row.why = outcome.reason;
  if (result.status === 'fail') row.m = mismatchText(result);
  const executor = executorText(result);
  if (executor) row.ex = executor;
  const exchange = result.fidelity?.postgrest.exchange ?? (result.via?.executor === 'postgrest' ? result.via.exchange : undefined);
  if (exchange && result.status !== 'pass') row.api = exchangeText(exchange);
  if (result.status === 'error') row.x = errorText(result);
  if (cell.scopePredicate) row.sp = cell.scopePredicate;
  if (result.status !== 'pass' && meta) {
    const deciding = decidingText(result);
    if (deciding) row.dp = deciding;
    const lines = attributionLines(meta, result);
    if (lines.length) row.at = lines.join('\n');
  }
  if (result.replay) row.rp = result.replay;
  const values = cell.set ?? cell.row;
  if (values) {
    const json = JSON.stringify(values);
    row.w = json.length > 2000 ? `${json.slice(0, 1999)}…` : json;
  }
  return row;
}

function policyKey(table: string, name: string, matrix: string | undefined): string {
  return `${matrix ?? ''}\u0000${table}\u0000${name}`;
}

/** Counts the cells each policy applied to, and lists the cells whose rows it decided (let through, or stopped as a restrictive policy). */
function countPolicies(policies: Map<string, HtmlPolicy>, meta: AssembleContext['meta'] | undefined, result: Readonly<CellResult>): void {
  if (!meta || !result.attribution) return;
  for (const policy of cellPolicies(meta, result)) {
    const entry = policies.get(policyKey(policy.table, policy.name, policy.matrix));
    if (!entry) continue;
    entry.applied += 1;
    if (result.attribution.rows?.some((r) => r.policy === policy.name) && entry.decided.length < 200) entry.decided.push(result.cell.id);
  }
}

/**
 * The page's data as JSON that cannot end its `<script>` element or be read as markup (`<`, `>`, `&`
 * and line separators escaped), every string with its control characters already spelled out
 * (`spellControls`): the script draws only text that is safe to show.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' ? spellControls(v) : v)).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
