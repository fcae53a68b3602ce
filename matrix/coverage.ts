import { resolveFunctionName, resolveTableName, storageVerb } from './expand.js';
import {
  BUCKET_OPERATIONS,
  type Cell,
  type Coverage,
  COVERAGE_OPERATIONS,
  type CoverageCounts,
  type CoverageOperation,
  type CoverageStatus,
  FUNCTION_OPERATIONS,
  type ObjectCoverage,
  type SchemaCatalog,
  type TableCoverage,
} from '../core/index.js';
import type { LoadedMatrix } from './types.js';

/** One matrix's part: its declarations, the cells that run (read once, in order), and the catalogue they ran against. */
export interface CoverageInput {
  matrix: Pick<LoadedMatrix, 'tables' | 'schemas' | 'personas' | 'storage' | 'functions'>;
  cells: Iterable<Cell>;
  catalog: SchemaCatalog;
}

const RANK: Record<CoverageStatus, number> = { untested: 0, defaulted: 1, stated: 2 };

/**
 * Coverage of one or more matrices (a pure function: cells and catalogues in, counts out). With
 * several matrices a combination counts as stated when any of them states it.
 *
 * @example
 * const coverage = computeCoverage([{ matrix, cells: expandCells(matrix, catalog), catalog }]);
 * coverage.counts; // { stated: 40, defaulted: 150, untested: 2, total: 192 }
 */
export function computeCoverage(inputs: readonly CoverageInput[]): Coverage {
  const personas = [...new Set(inputs.flatMap((i) => Object.keys(i.matrix.personas)))];
  const tables = new Set<string>();
  const mentioned = new Set<string>();
  const status = new Map<string, CoverageStatus>();
  const acting = new Set<string>();
  const key = (table: string, persona: string, operation: string) => `${table}\u0000${persona}\u0000${operation}`;
  // Buckets and functions the matrices name: their combinations count whether or not a cell runs them.
  const buckets = new Set<string>();
  const functions = new Set<string>();
  const raise = (k: string, found: CoverageStatus) => {
    if (RANK[found] > RANK[status.get(k) ?? 'untested']) status.set(k, found);
  };

  for (const { matrix, cells, catalog } of inputs) {
    for (const t of catalog.tables.values()) if (matrix.schemas.includes(t.schema) && t.kind !== 'view') tables.add(t.name);
    for (const written of Object.keys(matrix.tables)) {
      const name = written === '*' ? undefined : resolveTableName(written, matrix.schemas, catalog);
      // Views are not in the grid, named or not: they take select cells only, so their writes would be untested forever.
      if (name && catalog.tables.get(name)?.kind !== 'view') {
        tables.add(name);
        mentioned.add(name);
      }
    }
    for (const bucket of Object.keys(matrix.storage)) buckets.add(bucket);
    for (const written of Object.keys(matrix.functions)) functions.add(resolveFunctionName(written, matrix.schemas, catalog) ?? written);
    for (const cell of cells) {
      acting.add(cell.persona);
      const found: CoverageStatus = cell.origin === 'stated' ? 'stated' : 'defaulted';
      const verb = storageVerb(cell);
      if (verb) {
        // A scoped storage cell (`avatars:own`) tests its bucket's verb as much as an unscoped one.
        buckets.add(verb.bucket);
        raise(key(`bucket:${verb.bucket}`, cell.persona, verb.verb), found);
        continue;
      }
      if (cell.operation === 'rpc') {
        functions.add(cell.table);
        raise(key(`function:${cell.table}`, cell.persona, 'call'), found);
        continue;
      }
      if (!(COVERAGE_OPERATIONS as readonly string[]).includes(cell.operation) || catalog.tables.get(cell.table)?.kind === 'view') continue;
      tables.add(cell.table);
      if (cell.origin === 'stated') mentioned.add(cell.table);
      raise(key(cell.table, cell.persona, cell.operation), found);
    }
  }

  const total = emptyCounts();
  const rows = [...tables].sort().map((table): TableCoverage => {
    const counts = emptyCounts();
    const byPersona: TableCoverage['personas'] = {};
    for (const persona of personas) {
      const ops = {} as Record<CoverageOperation, CoverageStatus>;
      for (const operation of COVERAGE_OPERATIONS) {
        const s = status.get(key(table, persona, operation)) ?? 'untested';
        ops[operation] = s;
        for (const tally of [counts, total]) {
          tally[s]++;
          tally.total++;
        }
      }
      byPersona[persona] = ops;
    }
    return { table, mentioned: mentioned.has(table), personas: byPersona, counts };
  });

  const objects = (kind: 'bucket' | 'function', names: Set<string>, operations: readonly string[]) =>
    [...names].sort().map((name): ObjectCoverage => {
      const counts = emptyCounts();
      const byPersona: ObjectCoverage['personas'] = {};
      for (const persona of personas) {
        const ops: Record<string, CoverageStatus> = {};
        for (const operation of operations) {
          const s = status.get(key(`${kind}:${name}`, persona, operation)) ?? 'untested';
          ops[operation] = s;
          for (const tally of [counts, total]) {
            tally[s]++;
            tally.total++;
          }
        }
        byPersona[persona] = ops;
      }
      return { name, operations, personas: byPersona, counts };
    });

  return {
    operations: COVERAGE_OPERATIONS,
    personas,
    tables: rows,
    buckets: objects('bucket', buckets, BUCKET_OPERATIONS),
    functions: objects('function', functions, FUNCTION_OPERATIONS),
    counts: total,
    unmentionedTables: rows.filter((r) => !r.mentioned).map((r) => r.table),
    idlePersonas: personas.filter((p) => !acting.has(p)),
  };
}

function emptyCounts(): CoverageCounts {
  return { stated: 0, defaulted: 0, untested: 0, total: 0 };
}
