import type { CellResult, Reporter, RunMeta, RunSummary, SourceLocation } from '../core/index.js';
import { decidingText } from './attribution.js';
import { failingFindingSet } from './findings.js';
import { cellTitle, errorText, mismatchText, relativePath, spellControls } from './format.js';

/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`), so each failing cell and each
 * failing lint finding shows on the line of the matrix that states it, in the pull request's diff
 * and the run's summary. Escaped as the runner reads them: `%`, CR and LF in the message; also `:`
 * and `,` in properties.
 */
export function actionsReporter(write: (text: string) => void, cwd: string): Reporter {
  let meta: Readonly<RunMeta> | undefined;
  return {
    onRunStart(m) {
      meta = m;
    },
    onCellResult(result) {
      if (result.status === 'fail' || result.status === 'error') write(cellAnnotation(result, cwd));
    },
    onRunEnd(summary) {
      if (meta) write(lintAnnotations(meta, summary, cwd));
    },
  };
}

/** `::error file=rls-matrix.yaml,line=31,col=7,title=…::expected deny, observed allowed (1 of 1 rows visible); 1 row let through by "team a reads all"`. */
function cellAnnotation(result: Readonly<CellResult>, cwd: string): string {
  const what = result.status === 'fail' ? mismatchText(result) : errorText(result);
  const deciding = decidingText(result);
  return command('error', result.cell.source, cwd, `${result.cell.table}: ${cellTitle(result.cell)}`, `${what}${deciding ? `; ${deciding}` : ''} (cell ${result.cell.id})`);
}

function lintAnnotations(meta: Readonly<RunMeta>, summary: Readonly<RunSummary>, cwd: string): string {
  if (!meta.lint) return '';
  const failing = failingFindingSet(meta.lint, summary);
  return [...failing].map((f) => command('error', { file: f.matrix ?? meta.matrixFiles[0] ?? '' }, cwd, `lint ${f.id}: ${f.object}`, `${f.message}${f.fix ? ` Fix: ${f.fix}` : ''}`)).join('');
}

function command(kind: 'error' | 'warning', at: Pick<SourceLocation, 'file'> & Partial<SourceLocation>, cwd: string, title: string, message: string): string {
  const props = [
    `file=${property(relativePath(at.file, cwd))}`,
    ...(at.line !== undefined ? [`line=${at.line}`] : []),
    ...(at.column !== undefined ? [`col=${at.column}`] : []),
    `title=${property(title)}`,
  ];
  return `::${kind} ${props.join(',')}::${data(message)}\n`;
}

function data(value: string): string {
  return spellControls(value).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function property(value: string): string {
  return data(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
