import { z } from 'zod';
import type { SourceLocation } from './location.js';
import type { CellOperation } from './operations.js';
import type { Verdict } from './verdict.js';

/**
 * Values of a row: scalars, JSON, and strings with meanings: `@name` a stable generated uuid,
 * `@user.X` persona X's user id, `@persona.X` the acting persona's attribute X (`@persona.id` its
 * user id), `= sql` an expression (where `{persona.X}` is the acting persona's attribute as a literal).
 */
export const RowValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.unknown()), z.record(z.string(), z.unknown())]);
export const RowSchema = z.record(z.string(), RowValueSchema);
export type RowSpec = z.output<typeof RowSchema>;

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
  /** A storage cell's bucket id (its `caseName` is the verb: upload, download…); undefined for any other cell. */
  bucket?: string;
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
