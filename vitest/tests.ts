import type { RunnerTask } from 'vitest';
import { type Cell, expectedText } from '../core/index.js';
import type { SessionCell } from '../harness/index.js';

/** One cell's test: the groups it sits in (matrix file when there are several, table, persona, operation) and its name. */
export interface CellTest {
  cell: Cell;
  groups: readonly string[];
  /** `own → expected allow`, `(table) → expected deny`. */
  title: string;
}

/** The tests of a session's cells, in run order. */
export function cellTests(cells: readonly SessionCell[], shownFile: (file: string) => string, operationLabel: (cell: Cell) => string): CellTest[] {
  const several = new Set(cells.map((c) => c.file)).size > 1;
  return cells.map(({ cell, file }) => ({
    cell,
    groups: [...(several ? [shownFile(file)] : []), cell.table, cell.persona, operationLabel(cell)],
    title: `${cell.scope ?? '(table)'} → expected ${expectedText(cell.expected)}`,
  }));
}

const SEPARATOR = '\u0000';

/**
 * The ids of the cells whose tests vitest will run: those `--testNamePattern`, `.only` or a
 * location filter left in `run` mode under `suite` (the group `describeMatrix` made), so a filtered
 * run only runs its cells.
 */
export function keptCells(suite: { tasks: readonly RunnerTask[] }, tests: readonly CellTest[]): Set<string> {
  const byPath = new Map(tests.map((t) => [[...t.groups, t.title].join(SEPARATOR), t.cell.id]));
  const kept = new Set<string>();
  const walk = (tasks: readonly RunnerTask[], path: readonly string[]) => {
    for (const task of tasks) {
      const here = [...path, task.name];
      if (task.type === 'suite') walk(task.tasks, here);
      else if (task.mode === 'run' || task.mode === 'only' || task.mode === 'queued') {
        const id = byPath.get(here.join(SEPARATOR));
        if (id !== undefined) kept.add(id);
      }
    }
  };
  walk(suite.tasks, []);
  return kept;
}
