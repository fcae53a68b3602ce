import type { DatabaseErrorFields, ExecutedVia, Outcome } from '../../core/index.js';

/** What executing a cell observed, before any interpretation. */
export interface Observation {
  /** Rows returned (select) or affected (command tag) by the operation. */
  rows: number;
  /** Rows of the scope or table the operation addressed, counted without RLS. */
  targetRows: number;
  error?: DatabaseErrorFields;
  /** When the run asked for the API: how the cell ran (the request and answer, or why it ran as SQL). */
  via?: ExecutedVia;
  /** --cross-check: what the API executor observed for the same cell. */
  twin?: Observation;
}

// PostgreSQL words the two 42501 cases differently; with lc_messages = 'C' these prefixes are stable
// across versions. The policy message has several forms ("… policy for table", "… policy (USING
// expression) for table", "… policy \"name\" for table"), so only the prefix is matched.
const PRIVILEGE_PREFIX = 'permission denied for ';
const POLICY_PREFIX = 'new row violates row-level security policy';

/**
 * Classifies an observation (the README's "Outcome classes"). Pure: decides by SQLSTATE first, and treats anything it
 * does not recognise as `error`, never as allowed or denied.
 */
export function classifyOutcome(observation: Observation): Outcome {
  const { rows, targetRows, error } = observation;
  if (error) {
    const base = { rows: 0, targetRows, error };
    if (error.sqlstate === '42501' && error.message.startsWith(PRIVILEGE_PREFIX)) return { ...base, class: 'denied:privilege' };
    if (error.sqlstate === '42501' && error.message.startsWith(POLICY_PREFIX)) return { ...base, class: 'denied:policy' };
    return { ...base, class: 'error' };
  }
  if (targetRows === 0) return { rows, targetRows, class: 'error', vacuous: true, reason: 'vacuous cell: the scope matches no row, so the cell proves nothing' };
  if (rows === 0) return { rows, targetRows, class: 'filtered' };
  if (rows === targetRows) return { rows, targetRows, class: 'allowed' };
  if (rows < targetRows) return { rows, targetRows, class: 'partial' };
  return { rows, targetRows, class: 'error', reason: `the operation reached ${rows} rows but the scope holds ${targetRows}` };
}
