import path from 'node:path';
import {
  type ApiExchange,
  type Cell,
  type CellResult,
  expectedText,
  type FidelityMismatch,
  type Outcome,
  type OutcomeClass,
  ROW_VERB,
  type RunTimings,
  type SourceLocation,
  verdictText,
} from '../core/index.js';

/**
 * Human wording shared by every reporter, so JUnit, HTML and Markdown name a cell, a verdict and an
 * outcome the same way. Pure functions, no I/O.
 */

/** One symbol per outcome class: the grid never relies on colour alone. */
export const CLASS_SYMBOL: Readonly<Record<OutcomeClass, string>> = {
  allowed: '✓',
  partial: '≈',
  filtered: '∅',
  'denied:privilege': '⊘',
  'denied:policy': '⊘',
  error: '⚠',
};
/** Shown instead of the class symbol for a vacuous cell (its scope matched no row). */
export const VACUOUS_SYMBOL = '○';

/** `update`, or `rename (update)` for a named case. */
export function operationLabel(cell: Pick<Cell, 'operation' | 'caseName'>): string {
  return cell.caseName && cell.caseName !== cell.operation ? `${cell.caseName} (${cell.operation})` : cell.operation;
}

/** The scope name, or `(table)` for a whole-table cell. */
export function scopeLabel(cell: Pick<Cell, 'scope'>): string {
  return cell.scope ?? '(table)';
}

/** `alice · update · own → expected allow` — a test name a human reads in a CI tab. */
export function cellTitle(cell: Cell): string {
  return `${cell.persona} · ${operationLabel(cell)} · ${scopeLabel(cell)} → expected ${expectedText(cell.expected)}`;
}

/** The observed class, `vacuous` when the cell proved nothing. */
function observedText(outcome: Outcome): string {
  return outcome.vacuous ? 'vacuous' : outcome.class;
}

/** `✓ allowed`, `∅ filtered`, `○ vacuous`… */
export function observedWithSymbol(outcome: Outcome): string {
  return `${outcome.vacuous ? VACUOUS_SYMBOL : CLASS_SYMBOL[outcome.class]} ${observedText(outcome)}`;
}

/** `2 of 3 rows affected`: what the operation did against what `allowed` means. */
export function rowsPhrase(result: Pick<CellResult, 'cell' | 'outcome'>): string {
  const verb = ROW_VERB[result.cell.operation];
  const { rows, targetRows } = result.outcome;
  return `${rows} of ${targetRows} row${targetRows === 1 ? '' : 's'} ${verb}`;
}

/** `expected allow, observed filtered (0 of 3 rows visible)`. */
export function mismatchText(result: Pick<CellResult, 'cell' | 'outcome' | 'fidelity'>): string {
  if (result.fidelity) return fidelityText(result.fidelity);
  const sqlstate = result.outcome.error ? `, SQLSTATE ${result.outcome.error.sqlstate}` : '';
  return `expected ${verdictText(result.cell.expected)}, observed ${observedText(result.outcome)} (${rowsPhrase(result)}${sqlstate})`;
}

/** `fidelity mismatch: SQL executor filtered (0 of 2 rows), PostgREST allowed (2 of 2 rows) for GET /notes?…`. */
export function fidelityText(fidelity: FidelityMismatch): string {
  const side = (o: Outcome) => `${observedText(o)} (${o.rows} of ${o.targetRows} rows${o.error ? `, SQLSTATE ${o.error.sqlstate}` : ''})`;
  const request = fidelity.postgrest.exchange?.request;
  return `fidelity mismatch: SQL executor ${side(fidelity.sql.outcome)}, PostgREST ${side(fidelity.postgrest.outcome)}${request ? ` for ${request.method} ${request.url}` : ''}`;
}

/** An API request and its answer, as lines: the request line, headers and body, then the status, headers and body. */
export function exchangeText(exchange: ApiExchange): string {
  const headers = (h: Record<string, string>) => Object.entries(h).map(([k, v]) => `${k}: ${v}`);
  const { request, response } = exchange;
  return [
    `${request.method} ${request.url}`,
    ...headers(request.headers),
    ...(request.body !== undefined ? ['', request.body] : []),
    '',
    ...(response ? [`HTTP ${response.status}`, ...headers(response.headers), ...(response.body ? ['', response.body] : [])] : ['(no answer)']),
  ].join('\n');
}

/** How a cell ran when the run asked for the API: `PostgREST` or `SQL (why)`; undefined for a plain SQL run. */
export function executorText(result: Pick<CellResult, 'via'>): string | undefined {
  if (!result.via) return undefined;
  return result.via.executor === 'postgrest' ? 'PostgREST (supabase-js)' : `SQL${result.via.reason ? ` (${result.via.reason})` : ''}`;
}

/** Why a cell is an error: vacuous, a harness reason, or the database error. */
export function errorText(result: Pick<CellResult, 'cell' | 'outcome'>): string {
  const { outcome, cell } = result;
  if (outcome.vacuous) {
    const scope = cell.scope === undefined ? 'the table' : `scope '${cell.scope}'`;
    return `vacuous cell: ${scope} matches no row, so the cell proves nothing${outcome.reason ? ` (${outcome.reason})` : ''}`;
  }
  if (outcome.error) return `${outcome.error.sqlstate}: ${outcome.error.message}${outcome.reason ? ` (${outcome.reason})` : ''}`;
  return outcome.reason ?? `observed ${outcome.class} (${rowsPhrase(result)})`;
}

/** A path relative to `base` with forward slashes; unchanged when it lies outside `base`. */
export function relativePath(file: string, base: string): string {
  if (!path.isAbsolute(file)) return file.split(path.sep).join('/');
  const rel = path.relative(base, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return file;
  return rel.split(path.sep).join('/');
}

/** `matrix.yaml:31:7`, relative to `base`. */
export function locationText(location: SourceLocation | undefined, base: string): string {
  if (!location) return '';
  const file = relativePath(location.file, base);
  if (location.line === undefined) return file;
  return `${file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
}

/** Setup time: provider, shim, migrations, fixtures and planning. */
function setupMs(t: RunTimings): number {
  return t.providerMs + t.shimMs + t.migrationsMs + t.fixturesMs + t.planMs;
}

/** `1.20 s (provider 0.80 s, shim 0.10 s, migrations 0.05 s, fixtures 0.20 s, plan 0.05 s)`: setup and its parts, each written by `format`. */
export function setupText(t: RunTimings, format: (ms: number) => string = formatMs): string {
  return `${format(setupMs(t))} (provider ${format(t.providerMs)}, shim ${format(t.shimMs)}, migrations ${format(t.migrationsMs)}, fixtures ${format(t.fixturesMs)}, plan ${format(t.planMs)})`;
}

/** `; 1.4 s of planning alongside` when later chunks were planned while cells ran, else ''. */
export function planAlongsideText(t: RunTimings, format: (ms: number) => string = formatMs): string {
  return t.planAlongsideMs ? `; ${format(t.planAlongsideMs)} of planning alongside` : '';
}

/** `850 ms`, `12.4 s`, `3 min 05 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/**
 * Characters no human-facing output shows raw: C0 controls but tab and newline (so CR too), DEL, C1
 * controls, and the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069). From a matrix, a policy name or a PostgreSQL message they could retitle or clear
 * a terminal, overwrite a FAIL line, hide text, or reorder what a reader sees ("Trojan Source").
 */
const CONTROLS = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[${CONTROLS}]`, 'g');
const CONTROL_OR_NEWLINE = new RegExp(`[${CONTROLS}\\n]`, 'g');

/** `\x1b` for a character up to U+00FF, `\u202e` above. */
function spell(ch: string): string {
  const code = ch.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The one place that neutralises control and bidi-override characters (see CONTROLS) for every
 * output a person reads: the console, report.html, summary.md and junit.xml. Each is spelled out
 * (`\x07`, `\x1b`, `\u202e`) rather than dropped, so what was there stays visible. Tabs and
 * newlines are kept unless `singleLine` (then a newline is spelled `\x0a`: a name cannot start a
 * line of its own).
 */
export function spellControls(value: string, options: { singleLine?: boolean } = {}): string {
  return value.replace(options.singleLine ? CONTROL_OR_NEWLINE : CONTROL, spell);
}

/**
 * JSON text with every such character written as a `\u` escape: the same data (a JSON parser reads
 * back exactly the original strings), but bytes that are safe to print. JSON.stringify already
 * escapes C0 controls; this covers DEL, C1 and the bidi controls it leaves raw.
 */
export function jsonWithoutControls(json: string): string {
  return json.replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `1 error`, `2 errors`, `1,204 mismatches`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** `12,345` with a thin, locale-independent grouping. */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
