import { join } from 'node:path';
import { type CellResult, expectedText, knownReason } from '../core/index.js';
import { attributionLines } from './attribution.js';
import { ReportError } from './errors.js';
import { errorText, locationText, mismatchText, observedWithSymbol, operationLabel, rowsPhrase, scopeLabel, spellControls } from './format.js';
import { readResultsFile, RESULTS_FILE, type ResultsFile } from './json.js';

/** One cell of an archived report, with the run's meta (policy definitions, personas' claims). */
export interface ExplainedCell {
  meta: ResultsFile['meta'];
  result: CellResult;
}

/**
 * Finds a cell in a report folder's results.json: by its exact id, or by a part of it that only one
 * cell's id contains.
 *
 * @throws {ReportError} `ERR_REPORT_NO_CELL` (exit 2) when none or several match; `ERR_REPORT_RESULTS_FORMAT` for a file that is not ours.
 * @example
 * const { meta, result } = await findCell('rls-report', 'public.notes/alice/select/own');
 */
export async function findCell(reportDir: string, id: string): Promise<ExplainedCell> {
  const file = join(reportDir, RESULTS_FILE);
  const { meta, results } = await readResultsFile(file);
  const exact = results.find((r) => r.cell.id === id);
  if (exact) return { meta, result: exact };
  const matches = results.filter((r) => r.cell.id.includes(id));
  if (matches.length === 1) return { meta, result: matches[0]! };
  const listed = matches
    .slice(0, 10)
    .map((r) => `  ${r.cell.id}`)
    .join('\n');
  throw new ReportError(
    'ERR_REPORT_NO_CELL',
    matches.length
      ? `${matches.length} cells of ${file} match '${id}'; give one id:\n${listed}${matches.length > 10 ? '\n  …' : ''}`
      : `no cell of ${file} has the id '${id}' (ids look like table/persona/operation/scope, e.g. ${results[0]?.cell.id ?? 'public.notes/alice/select/own'})`,
    { path: file },
  );
}

/** `rls-matrix explain`'s console output: the cell, its verdict and outcome, the scope and claims, what decided, and its replay. */
export function explainConsoleText({ meta, result }: ExplainedCell, cwd: string): string {
  const { cell, outcome } = result;
  const persona = meta.personas.find((p) => p.name === cell.persona);
  const status = { pass: '✓ PASS', fail: '✗ FAIL', error: '⚠ ERROR', known: '◐ KNOWN' }[result.status];
  const lines = [
    `${status} ${cell.id}`,
    `  ${cell.table} · ${cell.persona} · ${operationLabel(cell)} · ${scopeLabel(cell)}`,
    `  expected ${expectedText(cell.expected)}${knownReason(cell.expected) ? ` (known gap: ${knownReason(cell.expected)})` : ''}, observed ${observedWithSymbol(outcome)} (${rowsPhrase(result)})`,
    ...(result.status === 'fail' ? [`  ${mismatchText(result)}`] : result.status === 'error' ? [`  ${errorText(result)}`] : []),
    ...(outcome.error && result.status !== 'error' ? [`  ${outcome.error.sqlstate}: ${outcome.error.message}`] : []),
    `  stated at ${locationText(cell.source, cwd)} (${cell.origin})`,
    ...(cell.scopePredicate ? [`  scope ${cell.scope}: ${cell.scopePredicate}`] : []),
    `  persona ${cell.persona}: role ${result.role}${persona?.claims ? `, claims ${JSON.stringify(persona.claims)}` : ''}`,
    '',
    ...(result.attribution ? attributionLines(meta, result).map((l) => `  ${l}`) : ['  (no attribution: the report was written by a version that did not record it)']),
    '',
    '  statement:',
    ...result.sql.split('\n').map((l) => `    ${l}`),
    ...(result.replay
      ? [
          '',
          '  replay (paste into psql connected to the same database; it rolls back):',
          ...result.replay
            .trimEnd()
            .split('\n')
            .map((l) => `    ${l}`),
        ]
      : []),
  ];
  return `${spellControls(lines.join('\n'))}\n`;
}
