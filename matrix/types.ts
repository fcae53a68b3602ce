import type { Operation, PersonaSpec, PlainVerdict, RowSpec, TableSpec, Verdict } from './schema.js';

/** Where something was written: a matrix file, 1-based line and column when known. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** A path into the matrix document, as zod and the YAML AST both spell it. */
export type DocumentPath = readonly (string | number)[];

/** A validated matrix with its paths resolved and a way back to the source of any node. */
export interface LoadedMatrix {
  /** Absolute path of the matrix file. */
  file: string;
  name: string;
  /** sha256 inputs: the matrix file and everything it references. */
  sources: string[];
  schemas: string[];
  database: {
    /** Absolute paths of migration files, in the order they are applied. */
    migrations: string[];
    supabase: boolean;
    grants: 'legacy' | 'explicit';
  };
  fixtures: {
    sql: string[];
    rows: FixtureTable[];
    seed: number;
  };
  jwt: { secret?: string; expiresIn: number };
  personas: Record<string, PersonaSpec>;
  defaults?: Verdict;
  tables: Record<string, TableSpec>;
  /** Maps a document path to its file:line:column (line and column absent for TypeScript matrices). */
  locate(path: DocumentPath): SourceLocation;
}

export interface FixtureTable {
  table: string;
  rows: { row: RowSpec; path: DocumentPath }[];
}

/** One column of a table, as the catalogue describes it. */
export interface ColumnInfo {
  name: string;
  /** format_type() of the column, usable in a cast. */
  type: string;
  /** typcategory: 'S' string, 'N' numeric, 'B' bool, 'D' datetime, 'U' user, 'A' array, 'E' enum… */
  category: string;
  notNull: boolean;
  hasDefault: boolean;
  /** Generated (stored) or GENERATED ALWAYS identity: never written by a cell. */
  generated: boolean;
  /** Labels, for enum columns. */
  enumLabels?: string[];
  /** The referenced table and column, for single-column foreign keys. */
  references?: { table: string; column: string };
}

export interface TableInfo {
  /** Schema-qualified name, as `schema.table`. */
  name: string;
  schema: string;
  table: string;
  kind: 'table' | 'view' | 'partitioned';
  columns: ColumnInfo[];
  /** Primary key columns; empty when the table has none (cells then address rows by ctid). */
  primaryKey: string[];
  rlsEnabled: boolean;
  rlsForced: boolean;
}

export interface SchemaCatalog {
  tables: Map<string, TableInfo>;
}

/** One testable statement: persona × table × operation × scope → expected verdict. */
export interface Cell {
  /** Stable identifier, unique within a run: `table/persona/operation/scope`. */
  id: string;
  table: string;
  persona: string;
  operation: Operation;
  /** Named case when the cell comes from `cases:`; otherwise the operation's name. */
  caseName?: string;
  /** Scope name; undefined for a whole-table cell. */
  scope?: string;
  /** The scope's SQL predicate, and where it is written. */
  scopePredicate?: string;
  scopeSource?: SourceLocation;
  expected: Verdict;
  /** Where the verdict came from: the line that states it, or `defaults`. */
  origin: 'stated' | 'wildcard' | 'default';
  source: SourceLocation;
  /** update: columns to set; insert/upsert: the row to write. */
  set?: RowSpec;
  row?: RowSpec;
  rowSource?: SourceLocation;
  returning: boolean;
}

export type { Operation, PlainVerdict, Verdict, RowSpec, PersonaSpec, TableSpec };
