import { mentionsColumn } from './expr.js';
import { ident, qualified } from './sql.js';
import type { LintHit, LintRule } from './types.js';

/** Lints about what API roles can reach and how fast policies filter it. */
export const accessLints = {
  'anon-grant-without-policy': {
    severity: 'info',
    title: 'anon holds privileges on an RLS table that no policy grants anon anything on',
    why: 'No policy mentions anon (nor public), so the grant gives visitors nothing today: it is surface that a later policy TO public, or RLS being switched off, turns into access for everyone.',
    fix: 'revoke the privileges anon does not need',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled && t.anonPrivileges.length > 0 && !t.policies.some((p) => p.appliesToAnon))
        .map((t) => ({
          object: t.name,
          objectType: 'table',
          message: `anon may ${t.anonPrivileges.join(', ')} on ${t.name}, but no policy applies to anon or public`,
          fix: `revoke ${t.anonPrivileges.join(', ').toLowerCase()} on table ${qualified(t.schema, t.table)} from anon;`,
        })),
  },

  'unindexed-policy-column': {
    severity: 'info',
    title: 'a column a policy filters rows on (tenant, owner) leads no index',
    why: 'The USING expression runs for every row a query reads; without an index on the column it compares (owner_id, tenant_id…), every request scans the table, and slows as the table grows.',
    fix: 'create an index on the column',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled)
        .flatMap((table): LintHit[] => {
          const policiesByColumn = new Map<string, string[]>();
          for (const policy of table.policies) {
            for (const column of policy.columns) {
              if (column.boolean || table.indexedColumns.includes(column.name) || !mentionsColumn(policy.using, column.name)) continue;
              policiesByColumn.set(column.name, [...(policiesByColumn.get(column.name) ?? []), policy.name]);
            }
          }
          return [...policiesByColumn]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([column, policies]) => ({
              object: table.name,
              objectType: 'table',
              message: `column ${column} of ${table.name} is filtered on by ${policies.map((p) => `"${p}"`).join(', ')} but leads no index`,
              fix: `create index on ${qualified(table.schema, table.table)} (${ident(column)});`,
            }));
        }),
  },
} satisfies Record<string, LintRule>;
