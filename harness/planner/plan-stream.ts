import type { CellPlan } from './plan.js';
import type { Cell } from '../../core/index.js';

/** Cells planned at once, by default. */
export const PLAN_CHUNK_SIZE = 2000;

export interface PlanStreamOptions {
  /** Plans one chunk of cells (see `planCells`), in a transaction that keeps nothing. */
  plan: (cells: Cell[]) => Promise<CellPlan[]>;
  /**
   * Cells per chunk. Memory holds a few chunks' cells and plans (see `ahead`), whatever the matrix's
   * size. @default 2000
   */
  chunkSize?: number;
  /**
   * Chunks planned at once, ahead of the one whose cells are being taken, each needing a planner
   * connection of its own. 0 when planning shares the cells' connection: the next chunk is then
   * planned once the last cell of the current one has been taken. Memory holds `ahead + 1` chunks.
   */
  ahead: number;
}

/**
 * Plans cells chunk by chunk as the pool takes them, so a run holds a bounded number of cells and
 * plans instead of all of them (100,000 cells with their plans and key lists cost ~700 MB at once).
 * Chunks are yielded in the cells' order, however many are planned at once; `iterateCells` gives a
 * persona's cells together, so a chunk's scopes are evaluated in about one round trip. A planning
 * error ends the stream with that error.
 */
export async function* planInChunks(cells: Iterable<Cell>, options: PlanStreamOptions): AsyncGenerator<CellPlan, void, undefined> {
  const chunks = chunked(cells, options.chunkSize ?? PLAN_CHUNK_SIZE);
  const planNext = (): Promise<CellPlan[]> | undefined => {
    const next = chunks.next();
    if (next.done) return undefined;
    const planning = options.plan(next.value);
    // Awaited in turn below; until then a rejection must not count as unhandled.
    planning.catch(() => undefined);
    return planning;
  };
  const pending: Promise<CellPlan[]>[] = [];
  const fill = () => {
    while (pending.length < Math.max(1, options.ahead)) {
      const planning = planNext();
      if (!planning) return;
      pending.push(planning);
    }
  };
  try {
    fill();
    while (pending.length) {
      const plans = await pending.shift()!;
      if (options.ahead > 0) fill();
      yield* plans;
      if (options.ahead === 0) fill();
    }
  } finally {
    // Stopped early (a cell's reporter failed): chunks being planned still use their connections.
    await Promise.allSettled(pending);
  }
}

function* chunked<T>(items: Iterable<T>, size: number): Generator<T[], void, undefined> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}
