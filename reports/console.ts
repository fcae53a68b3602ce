import { relative } from 'node:path';
import { type CellResult, CONFLICTS, expectedText, formatLocation, type Reporter, type RunMeta, type RunSummary } from '../core/index.js';
import { runLintSummary } from './console-lint.js';
import { fidelityText, planAlongsideText, setupText, spellControls } from './format.js';
import { CLEAR_LINE, LINE_START, painter } from './terminal.js';

export interface ConsoleOptions {
  write: (text: string) => void;
  color: boolean;
  quiet: boolean;
  /** Draw a progress bar (a terminal, not CI). */
  progress: boolean;
  writeProgress?: (text: string) => void;
}

const MAX_LISTED = 200;

/** Human output: provenance, each mismatch as it happens, then the counts and timings. */
export function consoleReporter(options: ConsoleOptions): Reporter & { progress(done: number, total: number): void } {
  const paint = painter(options.color);
  let listed = 0;
  let lastDrawn = 0;
  let runMeta: RunMeta | undefined;
  const clearProgress = () => options.progress && options.writeProgress?.(CLEAR_LINE);

  return {
    onRunStart(meta: RunMeta) {
      runMeta = meta;
      for (const warning of meta.warnings ?? []) options.write(`${paint(33, 'warning:')} ${spellControls(warning, { singleLine: true })}\n`);
      if (options.quiet) return;
      options.write(
        `${paint(1, 'rls-matrix')} ${meta.tool.version} · ${spellControls(meta.matrixName, { singleLine: true })} · ${meta.provider} PostgreSQL ${meta.postgresVersion} · ${meta.cellCount} cells${meta.shard ? ` (shard ${meta.shard.index}/${meta.shard.count} of ${meta.shard.totalCells})` : ''} on ${meta.workers} connections${meta.executor ? ` · ${meta.executor === 'postgrest' ? 'through PostgREST' : 'cross-checked against PostgREST'}` : ''}\n`,
      );
    },
    onCellResult(result: CellResult) {
      if (result.status === 'pass' || result.status === 'known') return;
      if (++listed > MAX_LISTED) return;
      clearProgress();
      const label = result.status === 'fail' ? paint(31, '✗ FAIL ') : paint(33, '⚠ ERROR');
      options.write(`${label} ${describeCell(result)}\n`);
    },
    onRunEnd(summary: RunSummary) {
      clearProgress();
      const { counts, timings } = summary;
      if (listed > MAX_LISTED) options.write(`… and ${listed - MAX_LISTED} more mismatches (see the reports)\n`);
      options.write(runLintSummary(runMeta, summary, paint, options.quiet));
      const verdict = summary.exitCode === 0 ? paint(32, 'PASS') : paint(31, 'FAIL');
      options.write(
        `${verdict} ${counts.total} cells: ${counts.pass} passed, ${counts.fail} failed, ${counts.error} errors, ${counts.known} known gaps${summary.fidelityMismatches !== undefined ? `; cross-check: ${summary.fidelityMismatches} fidelity mismatches` : ''}\n` +
          `     setup ${setupText(timings, seconds)} · ` +
          `execution ${seconds(timings.executionMs)} (${Math.round(summary.cellsPerSecond)} cells/s${planAlongsideText(timings, seconds)})\n` +
          rerunLine(summary) +
          (summary.untestedFailures ? `     ${paint(31, `${summary.untestedFailures} untested table × persona × operation combinations`)} fail the run (--fail-on untested)\n` : ''),
      );
    },
    progress(done: number, total: number) {
      if (!options.progress || !options.writeProgress) return;
      const now = Date.now();
      if (done !== total && now - lastDrawn < 100) return;
      lastDrawn = now;
      const width = 30;
      const filled = total ? Math.round((done / total) * width) : width;
      options.writeProgress(`${LINE_START}[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total}`);
    },
  };
}

/** `public.courses · alice · update · own → expected allow, observed denied:policy (42501 …) at file:line`, on one line. */
export function describeCell(result: CellResult): string {
  const { cell, outcome } = result;
  const what = [cell.table, cell.persona, cell.caseName ?? cell.operation, cell.scope ?? '(whole table)'].join(' · ');
  const observed = outcome.vacuous
    ? 'vacuous (the scope matches no row)'
    : outcome.class === 'partial' || outcome.class === 'allowed'
      ? `${outcome.class} (${outcome.rows} of ${outcome.targetRows} rows)`
      : outcome.class;
  const why = result.fidelity
    ? ` [${fidelityText(result.fidelity)}]`
    : outcome.error
      ? ` [${outcome.error.sqlstate} ${outcome.error.message}]`
      : outcome.reason && !outcome.vacuous
        ? ` [${outcome.reason}]`
        : '';
  const where = cell.source.line !== undefined ? ` at ${formatLocation({ ...cell.source, file: relative(process.cwd(), cell.source.file) || cell.source.file })}` : '';
  return spellControls(`${what} → expected ${expectedText(cell.expected)}, observed ${observed}${why}${where}`, { singleLine: true });
}

/** `     2 cells re-run alone …` when cells met conflicts with other in-flight cells, else nothing. */
function rerunLine(summary: RunSummary): string {
  const reruns = summary.reruns;
  if (!reruns?.count) return '';
  const why = Object.entries(reruns.bySqlstate).map(([sqlstate, n]) => `${n} ${CONFLICTS[sqlstate] ?? 'conflict'} ${sqlstate}`);
  return `     ${reruns.count} ${reruns.count === 1 ? 'cell' : 'cells'} re-run alone after a conflict with another in-flight cell (${why.join(', ')}); the re-runs' outcomes are reported\n`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
