import type { FunctionSpec, Operation, PersonaSpec, PlainVerdict, RowSpec, StorageBucketSpec, TableSpec, Verdict } from './schema.js';

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
    /** PostgREST's db-pre-request: `schema.function` called before every cell. */
    preRequest?: string;
  };
  fixtures: {
    sql: string[];
    /** SQL files run after the persona users exist (`fixtures.sql_after_users`). */
    sqlAfterUsers: string[];
    rows: FixtureTable[];
    seed: number;
  };
  jwt: { secret?: string; expiresIn: number };
  personas: Record<string, PersonaSpec>;
  defaults?: Verdict;
  tables: Record<string, TableSpec>;
  functions: Record<string, FunctionSpec>;
  storage: Record<string, StorageBucketSpec>;
  /** Accepted lint findings (`waivers:`), in the order written. */
  waivers?: Waiver[];
  /** Maps a document path to its file:line:column (line and column absent for TypeScript matrices). */
  locate(path: DocumentPath): SourceLocation;
}

/** One `waivers:` entry: the lint and object it accepts, why, and where it is written. */
export interface Waiver {
  lint: string;
  /** `schema.name` or a pattern with `*`; an unqualified name applies in the exposed schemas. */
  object: string;
  reason: string;
  source: SourceLocation;
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
  /** Part of a foreign key, unique or exclusion constraint (or a unique index). */
  keyed?: boolean;
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

/** A function PostgREST can call as /rpc/name, as the catalogue describes it. */
export interface FunctionInfo {
  /** Schema-qualified name, as `schema.function`. */
  name: string;
  schema: string;
  function: string;
  /** Input arguments in order, with their names (empty when unnamed) and types. */
  args: { name: string; type: string }[];
  /** How many trailing arguments have defaults. */
  defaults: number;
  /** `set` (set-returning or composite: count rows), `scalar` (count non-null), `void`. */
  returns: 'set' | 'scalar' | 'void';
  securityDefiner: boolean;
  /** PostgREST calls STABLE and IMMUTABLE functions in a read-only transaction. */
  volatility: 'volatile' | 'stable' | 'immutable';
}

export interface SchemaCatalog {
  tables: Map<string, TableInfo>;
  /** Overloads per schema-qualified name. */
  functions: Map<string, FunctionInfo[]>;
}

/** What a cell does: a table operation, or calling a function (PostgREST's /rpc). */
export type CellOperation = Operation | 'rpc';

/** One testable statement: persona × table × operation × scope → expected verdict. */
export interface Cell {
  /** Stable identifier, unique within a run: `table/persona/operation/scope`. */
  id: string;
  /** Schema-qualified table, view or (for rpc) function name. */
  table: string;
  persona: string;
  operation: CellOperation;
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
  /** upsert: the ON CONFLICT columns (default: the primary key). */
  conflict?: string[];
  /** rpc: the named arguments. */
  args?: RowSpec;
  /** rpc: the exact result row count an allowed call must return. */
  expectedRows?: number;
}

export type { Operation, PlainVerdict, Verdict, RowSpec, PersonaSpec, TableSpec };
