import { apiRolesOf, appliesToApi, commandsOf, isAlwaysTrue, mentionsColumn } from './expr.js';
import { ident, qualified } from './sql.js';
import type { LintCatalog, LintHit, LintPolicy, LintRule, LintTable } from './types.js';

/** Every policy of an RLS-enabled table, with its table (policies of a table without RLS are another lint's). */
function activePolicies(catalog: LintCatalog): { table: LintTable; policy: LintPolicy }[] {
  return catalog.tables.filter((t) => t.rlsEnabled).flatMap((table) => table.policies.map((policy) => ({ table, policy })));
}

const alterPolicy = (table: LintTable, policy: LintPolicy) => `alter policy ${ident(policy.name)} on ${qualified(table.schema, table.table)}`;

/** Lints about what policies say: always true, missing or lopsided WITH CHECK, overlapping permissive policies. */
export const policyLints = {
  'rls-policy-always-true': {
    severity: 'warn',
    title: 'a write policy for an API role is always true (USING true / WITH CHECK true)',
    why: 'A permissive policy that admits every row turns RLS off for that role and command: any user (any visitor, for anon) may change or delete every row, or write rows that belong to others.',
    fix: 'replace true with the predicate that says whose rows these are, e.g. using (owner_id = (select auth.uid()))',
    check: (catalog) =>
      activePolicies(catalog).flatMap(({ table, policy }): LintHit[] => {
        if (!policy.permissive || policy.command === 'SELECT' || !appliesToApi(policy, catalog)) return [];
        const usingTrue = policy.command !== 'INSERT' && isAlwaysTrue(policy.using);
        const checkTrue = policy.command !== 'DELETE' && (isAlwaysTrue(policy.withCheck) || (policy.withCheck === null && policy.command !== 'INSERT' && usingTrue));
        if (!usingTrue && !checkTrue) return [];
        const clauses = [usingTrue ? 'USING' : '', checkTrue ? 'WITH CHECK' : ''].filter(Boolean).join(' and ');
        const who = apiRolesOf(policy, catalog).join(', ') || policy.roles.join(', ');
        return [
          {
            object: table.name,
            objectType: 'table',
            policy: policy.name,
            // Anyone on the internet updating or deleting every row is a hole, not a smell.
            ...(usingTrue && policy.appliesToAnon ? { severity: 'error' as const } : {}),
            message: `policy "${policy.name}" (${policy.command}) on ${table.name} is always true in ${clauses}, for ${who}`,
            fix: `${[alterPolicy(table, policy), usingTrue ? 'using (<whose rows>)' : '', policy.command !== 'DELETE' ? 'with check (<whose rows>)' : ''].filter(Boolean).join(' ')};`,
          },
        ];
      }),
  },

  'policy-missing-with-check': {
    severity: 'info',
    title: 'an UPDATE or ALL policy has no WITH CHECK, so its USING expression also judges the new row',
    why: 'Without WITH CHECK, PostgreSQL checks the updated row against USING: usually what was meant, but the write rule is then implicit, and a later edit of USING silently changes what users may write.',
    fix: 'state the write rule: alter policy … with check (<the same predicate as USING, or stricter>)',
    check: (catalog) =>
      activePolicies(catalog)
        .filter(({ policy }) => (policy.command === 'UPDATE' || policy.command === 'ALL') && policy.using !== null && policy.withCheck === null && !isAlwaysTrue(policy.using))
        .map(({ table, policy }) => ({
          object: table.name,
          objectType: 'table',
          policy: policy.name,
          message: `policy "${policy.name}" (${policy.command}) on ${table.name} has no WITH CHECK: updated rows are checked against USING (${policy.using})`,
          fix: `${alterPolicy(table, policy)} with check (${policy.using});`,
        })),
  },

  'policy-with-check-asymmetric': {
    severity: 'warn',
    title: "an UPDATE or ALL policy's WITH CHECK leaves unconstrained a column its USING filters on",
    why: 'USING decides which rows a user may update, WITH CHECK what they may turn them into: if USING filters on owner_id and WITH CHECK never mentions it, a user can set owner_id on their own row, handing it to someone else or moving it into another tenant.',
    fix: 'repeat the ownership or tenant predicate of USING in WITH CHECK',
    check: (catalog) =>
      activePolicies(catalog).flatMap(({ table, policy }): LintHit[] => {
        if (policy.command !== 'UPDATE' && policy.command !== 'ALL') return [];
        if (policy.using === null || policy.withCheck === null || isAlwaysTrue(policy.withCheck)) return [];
        const loose = policy.columns
          .filter((c) => !c.boolean && mentionsColumn(policy.using, c.name) && !mentionsColumn(policy.withCheck, c.name))
          .map((c) => c.name)
          .sort();
        if (!loose.length) return [];
        return [
          {
            object: table.name,
            objectType: 'table',
            policy: policy.name,
            message: `policy "${policy.name}" (${policy.command}) on ${table.name} filters on ${loose.join(', ')} in USING, but its WITH CHECK (${policy.withCheck}) does not constrain ${loose.length === 1 ? 'it' : 'them'}`,
            fix: `${alterPolicy(table, policy)} with check ((${policy.withCheck}) and <the predicate on ${loose.join(', ')} from USING>);`,
          },
        ];
      }),
  },

  'multiple-permissive-policies': {
    severity: 'warn',
    title: 'several permissive policies apply to the same role and command',
    why: 'Permissive policies are OR-ed: each is evaluated for every row (slow), and access is the union of all of them, so one broad policy silently widens what the others restrict.',
    fix: 'merge them into one policy per role and command, or make the narrowing ones AS RESTRICTIVE',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled)
        .flatMap((table): LintHit[] => {
          // Roles with the same overlaps share one finding.
          const rolesByOverlap = new Map<string, string[]>();
          for (const role of catalog.apiRoles) {
            const byCommand = new Map<string, string[]>();
            for (const policy of table.policies) {
              if (!policy.permissive || !(policy.roles.includes(role) || policy.roles.includes('public'))) continue;
              for (const command of commandsOf(policy)) byCommand.set(command, [...(byCommand.get(command) ?? []), policy.name]);
            }
            const overlap = [...byCommand]
              .filter(([, names]) => names.length > 1)
              .map(([command, names]) => `${command} (${names.join(', ')})`)
              .join('; ');
            if (overlap) rolesByOverlap.set(overlap, [...(rolesByOverlap.get(overlap) ?? []), role]);
          }
          return [...rolesByOverlap].map(([overlap, roles]) => ({
            object: table.name,
            objectType: 'table',
            message: `table ${table.name} has several permissive policies for ${roles.join(', ')}: ${overlap}`,
          }));
        }),
  },
} satisfies Record<string, LintRule>;
