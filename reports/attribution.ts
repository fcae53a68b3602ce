import type { CellResult, PolicyInfo, RunMeta } from '../core/index.js';

/**
 * The one wording of a cell's policy attribution (see core/attribution.ts), shared by the console's
 * `explain`, junit.xml, summary.md, report.html and the Actions annotations. Pure.
 */

/** The definitions of the policies a result names, from the run's meta (the cell's own matrix when the run had several). */
export function cellPolicies(meta: Pick<RunMeta, 'policies' | 'matrixFiles'>, result: Pick<CellResult, 'cell' | 'attribution'>): PolicyInfo[] {
  const names = result.attribution?.policies ?? [];
  const prefix = /^(\d+):/.exec(result.cell.id);
  const matrix = prefix ? meta.matrixFiles[Number(prefix[1]) - 1] : undefined;
  const all = (meta.policies ?? []).filter((p) => p.table === result.cell.table && (p.matrix === undefined || p.matrix === matrix));
  return names.map((name) => all.find((p) => p.name === name)).filter((p): p is PolicyInfo => p !== undefined);
}

/** `"own notes" PERMISSIVE SELECT to authenticated USING (owner_id = auth.uid())`. */
export function policyText(policy: PolicyInfo): string {
  const clauses = [policy.using !== undefined ? `USING ${policy.using}` : '', policy.check !== undefined ? `WITH CHECK ${policy.check}` : ''].filter(Boolean).join(' ');
  return `"${policy.name}" ${policy.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} ${policy.command} to ${policy.roles.join(', ')}${clauses ? ` ${clauses}` : ''}`;
}

/**
 * What decided a cell, in one phrase, or undefined when nothing was attributed: the missing grant,
 * why RLS decided nothing, or per decision the policies and how many rows (`1 row let through by
 * "team a reads all"; 1 row hidden by "not archived"`).
 */
export function decidingText(result: Pick<CellResult, 'attribution'>): string | undefined {
  const a = result.attribution;
  if (!a) return undefined;
  if (a.missingGrant) return `missing grant: ${a.missingGrant}`;
  if (a.bypass) return a.bypass;
  if (!a.rows?.length) return a.unattributed;
  const groups = new Map<string, number>();
  for (const row of a.rows) {
    const label =
      row.decision === 'through'
        ? `let through by "${row.policy}"`
        : row.decision === 'unattributed'
          ? 'cannot be attributed'
          : row.policy
            ? `${row.decision} by restrictive "${row.policy}"`
            : `${row.decision}: no permissive policy holds`;
    groups.set(label, (groups.get(label) ?? 0) + 1);
  }
  return [...groups].map(([label, n]) => `${n} row${n === 1 ? '' : 's'} ${label}`).join('; ');
}

/** Every line of a cell's attribution: the policies that applied, each row's decision, the grant, what could not be attributed. */
export function attributionLines(meta: Pick<RunMeta, 'policies' | 'matrixFiles'>, result: Pick<CellResult, 'cell' | 'attribution'>): string[] {
  const a = result.attribution;
  if (!a) return [];
  const lines: string[] = [];
  const policies = cellPolicies(meta, result);
  if (a.bypass) lines.push(`row-level security: ${a.bypass}`);
  else if (result.cell.operation !== 'rpc')
    lines.push(policies.length ? `policies that applied (${policies.length}):` : 'policies that applied: none (no policy applies to this role and command: denied by default)');
  for (const policy of policies) lines.push(`  ${policyText(policy)}`);
  if (a.missingGrant) lines.push(`missing grant: ${a.missingGrant}`);
  if (a.rows?.length) {
    lines.push('rows:');
    for (const row of a.rows) {
      lines.push(`  ${row.row}: ${row.reason}`);
      lines.push(
        `    ${row.evaluations.map((e) => `${e.policy} ${e.command} ${e.clause === 'using' ? 'USING' : 'WITH CHECK'}${e.on === 'new' ? ' (new row)' : ''} = ${typeof e.value === 'object' && e.value !== null ? `error: ${e.value.error}` : String(e.value)}`).join('; ')}`,
      );
    }
    if (a.rowsOmitted) lines.push(`  … and ${a.rowsOmitted} more row${a.rowsOmitted === 1 ? '' : 's'} (not explained)`);
  }
  if (a.unattributed) lines.push(`cannot be attributed: ${a.unattributed.replace(/^cannot be attributed: /, '')}`);
  return lines;
}
