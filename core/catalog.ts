/** The tables and functions of the database under test, as the catalogue describes them (read by fixtures/catalog.ts). */

/** One column of a table. */
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
  /** Foreign keys of several columns: a row's values for them must come from one referenced row. */
  compositeKeys?: { columns: string[]; table: string; refColumns: string[] }[];
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
