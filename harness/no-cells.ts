import { iterateCells, type LoadedMatrix } from '../matrix/index.js';
import { HarnessError, type SchemaCatalog } from '../core/index.js';

/**
 * The error for a run with no cell to check (an empty matrix, a `--filter` that matches nothing):
 * a gate that checked nothing must not be green. Says which it was and what to do; exit 2.
 */
export function noCellsError(matrices: readonly { matrix: LoadedMatrix; catalog: SchemaCatalog }[], filter: readonly string[] | undefined): HarnessError {
  const files = matrices.map((m) => m.matrix.file).join(', ');
  let unfiltered = 0;
  if (filter?.length) for (const { matrix, catalog } of matrices) for (const _ of iterateCells(matrix, catalog)) unfiltered++;
  if (unfiltered > 0) {
    return new HarnessError(
      'ERR_NO_CELLS',
      `--filter ${filter!.join(' ')} matches none of the ${unfiltered} cells of ${files}, so the run would check nothing: ` +
        'a cell id is table/persona/operation/scope (e.g. public.notes/anon/select); fix the filter, or leave it out to run every cell',
    );
  }
  return new HarnessError(
    'ERR_NO_CELLS',
    `${files} ${matrices.length > 1 ? 'state' : 'states'} no cell, so the run would check nothing: ` +
      'add expectations under tables:, functions: or storage:, or defaults: allow|deny to cover every table of the exposed schemas',
  );
}
