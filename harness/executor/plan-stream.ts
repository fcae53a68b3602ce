import type { Cell } from '../../matrix/types.js';
import type { CellPlan } from './plan.js';

export interface PlanStreamOptions {
  /** Plans one chunk of cells (see `planCells`), in a transaction that keeps nothing. */
  plan: (cells: Cell[]) => Promise<CellPlan[]>;
  /**
   * Most cells planned at once. Memory holds at most two chunks' cells and plans (the running one and,
   * with `lookahead`, the next), whatever the matrix's size. @default 2000
   */
  chunkSize?: number;
  /**
   * Plans the next chunk while the current one runs. Only when planning has a connection of its own:
   * on a connection shared with the cells, the next chunk is planned once the last cell has been taken.
   */
  lookahead: boolean;
}

/**
 * Plans cells chunk by chunk as the pool takes them, so a run holds a bounded number of cells and
 * plans instead of all of them (100,000 cells with their plans and key lists cost ~700 MB at once).
 * Chunks follow the cells' order; `iterateCells` gives a persona's cells together, so a chunk's scopes
 * are evaluated in about one round trip. A planning error ends the stream with that error.
 */
export async function* planInChunks(cells: Iterable<Cell>, options: PlanStreamOptions): AsyncGenerator<CellPlan, void, undefined> {
  const chunks = chunked(cells, options.chunkSize ?? 2000);
  const planNext = (): Promise<CellPlan[]> | undefined => {
    const next = chunks.next();
    if (next.done) return undefined;
    const planning = options.plan(next.value);
    // Awaited in turn below; until then a rejection must not count as unhandled.
    planning.catch(() => undefined);
    return planning;
  };
  let pending = planNext();
  try {
    while (pending) {
      const plans = await pending;
      pending = options.lookahead ? planNext() : undefined;
      yield* plans;
      if (!options.lookahead) pending = planNext();
    }
  } finally {
    // Stopped early (a cell's reporter failed): the chunk being planned still uses the connection.
    await pending?.catch(() => undefined);
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
