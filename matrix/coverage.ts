import { resolveTableName } from './expand.js';
import { DEFAULT_OPERATIONS } from './schema.js';
import type { Cell, LoadedMatrix, SchemaCatalog } from './types.js';

/** The operations coverage is measured on: those bare verdicts and `defaults` cover. */
export const COVERAGE_OPERATIONS = DEFAULT_OPERATIONS;
export type CoverageOperation = (typeof COVERAGE_OPERATIONS)[number];

/**
 * How a persona × table × operation is tested: `stated` by a line written for that table (a
 * named case counts for the operation it runs), `defaulted` only through `"*"` or `defaults`,
 * `untested` by no cell at all.
 */
export type CoverageStatus = 'stated' | 'defaulted' | 'untested';

export interface CoverageCounts {
  stated: number;
  defaulted: number;
  untested: number;
  /** stated + defaulted + untested: tables × personas × operations. */
  total: number;
}

export interface TableCoverage {
  /** Schema-qualified name. */
  table: string;
  /** Named under `tables:` (or stated through `storage:`), not only reached through `"*"` or `defaults`. */
  mentioned: boolean;
  /** persona → operation → status. */
  personas: Record<string, Record<CoverageOperation, CoverageStatus>>;
  counts: CoverageCounts;
}

/** What a run's matrices test, and what they leave to defaults or to nobody. */
export interface Coverage {
  operations: readonly CoverageOperation[];
  /** Every persona of the matrices, in the order declared. */
  personas: string[];
  /** Tables the cells touch plus every table of the exposed schemas, sorted by name. */
  tables: TableCoverage[];
  counts: CoverageCounts;
  /** Tables of the exposed schemas no matrix names explicitly. */
  unmentionedTables: string[];
  /** Personas no cell acts as. */
  idlePersonas: string[];
}

/** One matrix's part: its declarations, the cells that run (read once, in order), and the catalogue they ran against. */
export interface CoverageInput {
  matrix: Pick<LoadedMatrix, 'tables' | 'schemas' | 'personas'>;
  cells: Iterable<Cell>;
  catalog: SchemaCatalog;
}

const RANK: Record<CoverageStatus, number> = { untested: 0, defaulted: 1, stated: 2 };

/**
 * Coverage of one or more matrices (a pure function: cells and catalogues in, counts out). With
 * several matrices a combination counts as stated when any of them states it.
 *
 * @example
 * const coverage = computeCoverage([{ matrix, cells, catalog }]);
 * coverage.counts; // { stated: 40, defaulted: 150, untested: 2, total: 192 }
 */
export function computeCoverage(inputs: readonly CoverageInput[]): Coverage {
  const personas = [...new Set(inputs.flatMap((i) => Object.keys(i.matrix.personas)))];
  const tables = new Set<string>();
  const mentioned = new Set<string>();
  const status = new Map<string, CoverageStatus>();
  const acting = new Set<string>();
  const key = (table: string, persona: string, operation: string) => `${table}\u0000${persona}\u0000${operation}`;

  for (const { matrix, cells, catalog } of inputs) {
    for (const t of catalog.tables.values()) if (matrix.schemas.includes(t.schema) && t.kind !== 'view') tables.add(t.name);
    for (const written of Object.keys(matrix.tables)) {
      const name = written === '*' ? undefined : resolveTableName(written, matrix.schemas, catalog);
      if (name) tables.add(name), mentioned.add(name);
    }
    for (const cell of cells) {
      acting.add(cell.persona);
      if (!(COVERAGE_OPERATIONS as readonly string[]).includes(cell.operation)) continue;
      tables.add(cell.table);
      if (cell.origin === 'stated') mentioned.add(cell.table);
      const k = key(cell.table, cell.persona, cell.operation);
      const found: CoverageStatus = cell.origin === 'stated' ? 'stated' : 'defaulted';
      if (RANK[found] > RANK[status.get(k) ?? 'untested']) status.set(k, found);
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
        counts[s]++, counts.total++, total[s]++, total.total++;
      }
      byPersona[persona] = ops;
    }
    return { table, mentioned: mentioned.has(table), personas: byPersona, counts };
  });

  return {
    operations: COVERAGE_OPERATIONS,
    personas,
    tables: rows,
    counts: total,
    unmentionedTables: rows.filter((r) => !r.mentioned).map((r) => r.table),
    idlePersonas: personas.filter((p) => !acting.has(p)),
  };
}

function emptyCounts(): CoverageCounts {
  return { stated: 0, defaulted: 0, untested: 0, total: 0 };
}
