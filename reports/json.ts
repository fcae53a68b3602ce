import { readFile } from 'node:fs/promises';
import type { CellResult, RunMeta, RunSummary } from '../core/index.js';
import type { ArtifactWriter } from './artifact.js';
import { ReportError } from './errors.js';
import { jsonWithoutControls } from './format.js';

/** File name of the JSON results inside the report directory. */
export const RESULTS_FILE = 'results.json';

/** The version of the results.json format this module writes and reads. */
const RESULTS_FORMAT_VERSION = 1;

/**
 * results.json, version 1: the input of `diff` and `merge`. `results` holds every CellResult as the
 * harness produced it, in report order (table, persona, operation, scope), one result per line. Faithful
 * JSON: control and bidi characters in strings are `\u` escapes (see `jsonWithoutControls`), so
 * printing the file cannot drive a terminal.
 */
export interface ResultsFile {
  formatVersion: typeof RESULTS_FORMAT_VERSION;
  meta: RunMeta;
  summary: RunSummary;
  results: CellResult[];
}

/**
 * The results.json writer: meta and summary first (readable without scrolling past the results), then
 * one result per line so files diff well and stream.
 *
 * @example
 * ```ts
 * const json = renderArtifact(createJsonWriter(), ctx, results);
 * const file = JSON.parse(json) as ResultsFile;
 * ```
 */
export function createJsonWriter(): ArtifactWriter {
  let first = true;
  return {
    file: RESULTS_FILE,
    begin({ meta, summary }) {
      first = true;
      return jsonWithoutControls(`{\n"formatVersion": ${RESULTS_FORMAT_VERSION},\n"meta": ${JSON.stringify(meta, null, 2)},\n"summary": ${JSON.stringify(summary, null, 2)},\n"results": [\n`);
    },
    add(result) {
      const text = `${first ? '' : ',\n'}${jsonWithoutControls(JSON.stringify(result))}`;
      first = false;
      return text;
    },
    end() {
      return `${first ? '' : '\n'}]\n}\n`;
    },
  };
}

const STATUSES = new Set(['pass', 'fail', 'error', 'known']);
const CLASSES = new Set(['allowed', 'partial', 'filtered', 'denied:privilege', 'denied:policy', 'error']);

/**
 * Reads and checks a results.json (any version this module knows): the entry point of `diff` and `merge`.
 *
 * @throws {ReportError} `ERR_REPORT_RESULTS_FORMAT` when the file is not JSON, of another version, or malformed.
 * @example
 * ```ts
 * const { meta, results } = await readResultsFile('rls-report/results.json');
 * ```
 */
export async function readResultsFile(file: string): Promise<ResultsFile> {
  const fail = (why: string, cause?: unknown): never => {
    throw new ReportError('ERR_REPORT_RESULTS_FORMAT', `${file} is not an rls-matrix results file: ${why}`, { path: file, cause });
  };
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return fail(err instanceof SyntaxError ? 'invalid JSON' : 'cannot be read', err);
  }
  if (!isObject(data)) return fail('not a JSON object');
  if (data.formatVersion !== RESULTS_FORMAT_VERSION) return fail(`formatVersion ${JSON.stringify(data.formatVersion)} (this version reads ${RESULTS_FORMAT_VERSION})`);
  if (!isObject(data.meta) || !isObject(data.summary) || !Array.isArray(data.results)) return fail('meta, summary or results missing');
  data.results.forEach((r: unknown, i) => {
    const ok = isObject(r) && isObject(r.cell) && typeof r.cell.id === 'string' && STATUSES.has(r.status as string) && isObject(r.outcome) && CLASSES.has(r.outcome.class as string);
    if (!ok) fail(`results[${i}] is not a cell result`);
  });
  return data as unknown as ResultsFile;
}

function isObject(value: unknown): value is Record<string, unknown> & { cell?: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
