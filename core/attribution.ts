/**
 * Why a cell came out as it did: the row-level security policies that applied to it, and for a cell
 * worth explaining (a failure, a partial outcome) which policy let each row through or which check
 * refused it. Computed by the harness against the database and carried to reporters as data.
 */

/** The command a policy is for, as pg_policies spells it. */
export type PolicyCommand = 'ALL' | 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** One policy as PostgreSQL stores it (pg_policy), with its expressions as pg_get_expr prints them. */
export interface PolicyInfo {
  /** Schema-qualified table, as `schema.table`. */
  table: string;
  name: string;
  command: PolicyCommand;
  /** PERMISSIVE (any one may admit a row) or RESTRICTIVE (every one must). */
  permissive: boolean;
  /** Roles it applies to; `public` for every role. */
  roles: string[];
  using?: string;
  check?: string;
  /** With several matrices: the matrix whose database holds it (their schemas may differ). */
  matrix?: string;
}

/** What evaluating one policy expression for one row gave: true, false, null, or the error it raised. */
export type PolicyValue = boolean | null | { error: string };

/** One policy expression evaluated for one row. */
export interface PolicyEvaluation {
  policy: string;
  /** USING (which existing rows a command sees) or WITH CHECK (which new rows it accepts). */
  clause: 'using' | 'check';
  /** The command the policy was evaluated for (an UPDATE also needs SELECT's USING, for instance). */
  command: PolicyCommand;
  permissive: boolean;
  /** The row it was evaluated on: the one the command reads, or the one it would write. */
  on: 'existing' | 'new';
  value: PolicyValue;
}

/**
 * The decision about one row, as the policies make it: `through` (the command reaches or writes it),
 * `hidden` (a USING clause keeps it out), `refused` (a WITH CHECK clause rejects it), or
 * `unattributed` (an expression raised an error, or the row could not be reproduced).
 */
type RowDecision = 'through' | 'hidden' | 'refused' | 'unattributed';

export interface RowAttribution {
  /** The row's key (primary key values, or `new row`). */
  row: string;
  decision: RowDecision;
  /** The policy that decided: the permissive one that admitted the row, or the restrictive one that stopped it. */
  policy?: string;
  /** One sentence: why, in the policies' own words. */
  reason: string;
  evaluations: PolicyEvaluation[];
}

export interface CellAttribution {
  /** Names of the policies on the cell's table that apply to its operation and the persona's role (definitions in `RunMeta.policies`). */
  policies: string[];
  /** When row-level security decides nothing here: RLS off, a role that bypasses it, the table's owner. */
  bypass?: string;
  /** Per row of the scope (or the written row), for failing and partial cells. */
  rows?: RowAttribution[];
  /** Rows of the scope left out of `rows` (only the first few are explained). */
  rowsOmitted?: number;
  /** A privilege denial: the grant that is missing, as the statement that would add it. */
  missingGrant?: string;
  /** Why some or all of the rows could not be attributed. */
  unattributed?: string;
}
