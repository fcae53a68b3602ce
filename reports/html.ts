import { createHash } from 'node:crypto';
import { type CellResult, knownReason, OPERATIONS, ROW_VERB, verdictText } from '../core/index.js';
import type { ArtifactWriter, AssembleContext } from './artifact.js';
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
  return {
    file: HTML_FILE,
    begin(ctx) {
      first = true;
      cwd = ctx.cwd;
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
      const text = `${first ? '' : ',\n'}${scriptJson(htmlRow(result, cwd))}`;
      first = false;
      return text;
    },
    end() {
      return `\n]}</script>\n<script>${HTML_CLIENT}</script>\n</body>\n</html>\n`;
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
function htmlRow(result: Readonly<CellResult>, cwd: string): HtmlRow {
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
  const values = cell.set ?? cell.row;
  if (values) {
    const json = JSON.stringify(values);
    row.w = json.length > 2000 ? `${json.slice(0, 1999)}…` : json;
  }
  return row;
}

/**
 * The page's data as JSON that cannot end its `<script>` element or be read as markup (`<`, `>`, `&`
 * and line separators escaped), every string with its control characters already spelled out
 * (`spellControls`): the script draws only text that is safe to show.
 */
function scriptJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'string' ? spellControls(v) : v)).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
