import { type Cell, cellIdsHash, type ShardInfo, type ShardSpec } from '../core/index.js';

/**
 * `--shard i/n`: which cells of a run this job runs. Every job expands the same matrices against the
 * same schema, so each computes the same partition from the full list of cells, and nothing else:
 * not which cells are in flight, not the order they finish in, not the machine. The cells are
 * balanced by an expected cost read from their shape, so the jobs of a CI matrix end together.
 */

/** A cell's id and its expected cost, what the partition needs of it. */
export interface CellCost {
  id: string;
  weight: number;
}

/**
 * What a cell is expected to cost, in units of a whole-table select. A write runs more than a read
 * (its row values are evaluated while planning, its trigger and policy checks run, its savepoint is
 * rolled back), and a cell on a scope needs that scope's rows found while planning. Integers, so the
 * sums that balance the shards are exact on every machine.
 */
export function cellWeight(cell: Pick<Cell, 'operation' | 'scope'>): number {
  const write = cell.operation === 'insert' || cell.operation === 'update' || cell.operation === 'delete' || cell.operation === 'upsert';
  return 2 + (write ? 2 : 0) + (cell.scope === undefined ? 0 : 1);
}

/**
 * The ids of shard `spec.index` of `spec.count`: the heaviest cells first (ties by id), each to the
 * shard with the least expected cost so far (ties to the lowest shard). Deterministic for a given
 * set of cells, so the shards of one run are disjoint and together hold every cell.
 */
export function shardCells(cells: readonly CellCost[], spec: ShardSpec): { ids: Set<string>; info: ShardInfo } {
  const order = [...cells].sort((a, b) => b.weight - a.weight || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const loads = new Array<number>(spec.count).fill(0);
  const ids = new Set<string>();
  for (const cell of order) {
    let lightest = 0;
    for (let s = 1; s < loads.length; s++) if (loads[s]! < loads[lightest]!) lightest = s;
    loads[lightest]! += cell.weight;
    if (lightest === spec.index - 1) ids.add(cell.id);
  }
  return { ids, info: { index: spec.index, count: spec.count, totalCells: cells.length, cellIdsHash: cellIdsHash(cells.map((c) => c.id)) } };
}
