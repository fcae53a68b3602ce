import type { Cell, PolicyCommand, PolicyEvaluation, PolicyInfo, PolicyValue, RowAttribution } from '../../core/index.js';
import type { PolicyCatalog } from './policies.js';

/**
 * Which policies decide an operation, and how they combine, as PostgreSQL's rowsecurity.c does it:
 * a row passes a command when at least one permissive policy holds and every restrictive one does.
 * Pure: the database only evaluates the expressions (see evaluate.ts).
 */

/** One test a row must pass: the policies of `command`, by their USING or WITH CHECK clause. */
export interface PolicyGate {
  command: PolicyCommand;
  clause: 'using' | 'check';
}

/**
 * What each operation asks of the rows it reads (`existing`) and of the rows it writes (`written`).
 * UPDATE and DELETE filter by key, so they also need SELECT's USING on the rows they read; an UPDATE
 * (and a RETURNING insert) must leave a row SELECT's USING still admits, checked like a WITH CHECK.
 */
export function gatesOf(operation: Cell['operation'], returning: boolean): { existing: PolicyGate[]; written: PolicyGate[] } {
  const selectOnNew: PolicyGate = { command: 'SELECT', clause: 'using' };
  switch (operation) {
    case 'select':
      return { existing: [{ command: 'SELECT', clause: 'using' }], written: [] };
    case 'delete':
      return {
        existing: [
          { command: 'DELETE', clause: 'using' },
          { command: 'SELECT', clause: 'using' },
        ],
        written: [],
      };
    case 'update':
      return {
        existing: [
          { command: 'UPDATE', clause: 'using' },
          { command: 'SELECT', clause: 'using' },
        ],
        written: [{ command: 'UPDATE', clause: 'check' }, selectOnNew],
      };
    case 'insert':
      return { existing: [], written: [{ command: 'INSERT', clause: 'check' }, ...(returning ? [selectOnNew] : [])] };
    case 'upsert':
      return {
        existing: [
          { command: 'UPDATE', clause: 'using' },
          { command: 'SELECT', clause: 'using' },
        ],
        written: [{ command: 'INSERT', clause: 'check' }, { command: 'UPDATE', clause: 'check' }, selectOnNew],
      };
    case 'rpc':
      return { existing: [], written: [] };
  }
}

/** The policies of a table that apply to `role` for `command` (its own and ALL). */
export function policiesFor(policies: readonly PolicyInfo[], command: PolicyCommand, memberOf: ReadonlySet<string>): PolicyInfo[] {
  return policies.filter((p) => (p.command === command || p.command === 'ALL') && p.roles.some((r) => r === 'public' || memberOf.has(r)));
}

/** The expression a policy contributes to a gate: USING, or WITH CHECK falling back to USING (INSERT policies have no USING). */
export function gateExpression(policy: PolicyInfo, gate: PolicyGate): string | undefined {
  return gate.clause === 'using' ? policy.using : (policy.check ?? (gate.command === 'INSERT' && policy.command === 'INSERT' ? undefined : policy.using));
}

/** Why row-level security decides nothing for this role on this table, or undefined when it does. */
export function bypassReason(catalog: PolicyCatalog, table: string, role: string): string | undefined {
  const facts = catalog.tables.get(table);
  const member = catalog.roles.get(role);
  if (!facts) return `${table} is not a table with row-level security: policies of the tables beneath it decide`;
  if (!facts.rlsEnabled) return `row-level security is not enabled on ${table}: only grants decide, every row is reachable`;
  if (member?.bypassRls) return `role ${role} bypasses row-level security (superuser or BYPASSRLS)`;
  if (member?.memberOf.has(facts.owner) && !facts.rlsForced) return `role ${role} is (a member of) ${table}'s owner ${facts.owner}, and row-level security is not forced: policies do not apply`;
  return undefined;
}

/** Names of the policies that apply to a cell: every gate's, in catalogue order. */
export function applicablePolicies(policies: readonly PolicyInfo[], operation: Cell['operation'], returning: boolean, memberOf: ReadonlySet<string>): PolicyInfo[] {
  const { existing, written } = gatesOf(operation, returning);
  const commands = new Set([...existing, ...written].map((g) => g.command));
  return policies.filter((p) => [...commands].some((c) => policiesFor([p], c, memberOf).length > 0));
}

const VERB = { using: 'USING', check: 'WITH CHECK' } as const;

function valueText(value: PolicyValue): string {
  return typeof value === 'object' && value !== null ? `error: ${value.error}` : String(value);
}

/** `own: false, team: null`. */
function listed(evaluations: readonly PolicyEvaluation[]): string {
  return evaluations.map((e) => `"${e.policy}" ${valueText(e.value)}`).join(', ');
}

/** How one gate judges a row: passes, fails (and because of what), or cannot be told (an expression errored). */
type GateResult = { pass: true; by?: string } | { pass: false; by?: string; reason: string } | { pass: 'unknown'; reason: string };

function judgeGate(gate: PolicyGate, evaluations: readonly PolicyEvaluation[], role: string): GateResult {
  const mine = evaluations.filter((e) => e.command === gate.command && e.clause === gate.clause);
  const permissive = mine.filter((e) => e.permissive);
  const restrictive = mine.filter((e) => !e.permissive);
  const what = `${gate.command} ${VERB[gate.clause]}`;
  const isError = (e: PolicyEvaluation) => typeof e.value === 'object' && e.value !== null;
  const admitting = permissive.find((e) => e.value === true);
  const stopping = restrictive.find((e) => e.value === false || e.value === null);
  if (stopping && !isError(stopping)) return { pass: false, by: stopping.policy, reason: `restrictive policy "${stopping.policy}" (${what}) is ${valueText(stopping.value)}` };
  const erred = mine.filter(isError);
  if (!admitting) {
    if (!permissive.length) return { pass: false, reason: `no permissive ${gate.command} policy${gate.clause === 'check' ? ' with a check' : ''} applies to role ${role}: denied by default` };
    if (erred.some((e) => e.permissive)) return { pass: 'unknown', reason: `cannot be attributed: ${listed(erred)}` };
    return { pass: false, reason: `no permissive ${what} holds (${listed(permissive)})` };
  }
  if (erred.some((e) => !e.permissive)) return { pass: 'unknown', reason: `cannot be attributed: ${listed(erred)}` };
  return { pass: true, by: admitting.policy };
}

/**
 * A row's decision from its evaluations: `hidden` at the first failing gate over the existing row,
 * `refused` at the first failing gate over the written one, else `through`, naming the permissive
 * policy of the operation's own command that admitted it.
 */
export function decideRow(row: string, gates: { existing: PolicyGate[]; written: PolicyGate[] }, evaluations: PolicyEvaluation[], role: string): RowAttribution {
  let decidedBy: string | undefined;
  const admitted: string[] = [];
  for (const [on, list] of [
    ['existing', gates.existing],
    ['new', gates.written],
  ] as const) {
    const phase = evaluations.filter((e) => e.on === on);
    for (const gate of list) {
      const result = judgeGate(gate, phase, role);
      if (result.pass === 'unknown') return { row, decision: 'unattributed', reason: result.reason, evaluations };
      const outcome = on === 'existing' ? 'hidden' : 'refused';
      if (!result.pass) return { row, decision: outcome, ...(result.by ? { policy: result.by } : {}), reason: `${outcome}: ${result.reason}`, evaluations };
      if (result.by) {
        decidedBy ??= result.by;
        admitted.push(`"${result.by}" (${gate.command} ${VERB[gate.clause]})`);
      }
    }
  }
  return { row, decision: 'through', ...(decidedBy ? { policy: decidedBy } : {}), reason: `let through by ${admitted.join(', ')}`, evaluations };
}
