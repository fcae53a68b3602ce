/**
 * The operations a cell can perform: the one list every stage reads (the matrix schema, the
 * planner, the reports' ordering and wording, the HTML report's script, which gets it as data).
 * Adding an operation starts here; docs/architecture.md lists the other places it touches.
 */

/** Table operations, in the order reports list them. */
export const OPERATIONS = ['select', 'insert', 'update', 'delete', 'upsert'] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Operations that bare verdicts and `defaults` expand to (and coverage counts); upsert and named cases only where stated. */
export const DEFAULT_OPERATIONS = ['select', 'insert', 'update', 'delete'] as const satisfies readonly Operation[];

/** What a cell does: a table operation, or calling a function (PostgREST's /rpc). */
export type CellOperation = Operation | 'rpc';

/** Storage cells by their verb, each run as the table operation on storage.objects it stands for. */
export const STORAGE_OPERATIONS = { upload: 'insert', download: 'select', overwrite: 'upsert', move: 'update', remove: 'delete' } as const satisfies Record<string, Operation>;

/** What the rows an operation returned or touched are, in `2 of 3 rows visible`. */
export const ROW_VERB = {
  select: 'visible',
  insert: 'written',
  upsert: 'written',
  update: 'affected',
  delete: 'affected',
  rpc: 'affected',
} as const satisfies Record<CellOperation, string>;

/** Where an operation sorts in reports: its place in OPERATIONS, rpc and unknown names after them. */
export function operationRank(operation: string): number {
  const rank = (OPERATIONS as readonly string[]).indexOf(operation);
  return rank === -1 ? OPERATIONS.length : rank;
}
