import { type CellResult, verdictText } from '../core/index.js';
import { describeCell } from './console.js';
import { errorText, executorText, exchangeText, rowsPhrase, spellControls } from './format.js';

/**
 * A failing or erroring cell as a test runner shows it: the console's line (the cell, expected,
 * observed, the error and where the verdict is written), then each fact on a line of its own: the
 * expected verdict, what was observed with the row count, the SQLSTATE and message, the role and
 * statement the persona ran, how it ran, the API exchange of a fidelity mismatch.
 */
export function cellFailureText(result: Readonly<CellResult>): string {
  const { cell, outcome } = result;
  const executor = executorText(result);
  const lines = [
    describeCell(result),
    `  expected: ${verdictText(cell.expected)}`,
    `  observed: ${outcome.vacuous ? 'vacuous' : outcome.class} (${rowsPhrase(result)})`,
    ...(outcome.error || outcome.reason || outcome.vacuous ? [`  why:      ${errorText(result)}`] : []),
    ...(outcome.error ? [`  SQLSTATE: ${outcome.error.sqlstate}`] : []),
    `  role:     ${result.role}`,
    `  sql:      ${result.sql}`,
    ...(executor ? [`  via:      ${executor}`] : []),
    ...(result.fidelity?.postgrest.exchange ? ['', exchangeText(result.fidelity.postgrest.exchange)] : []),
  ];
  return spellControls(lines.join('\n'));
}
