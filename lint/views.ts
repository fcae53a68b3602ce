import { qualified } from './sql.js';
import type { LintRule } from './types.js';

/** Lints about views: a view runs with its owner's rights unless it is security_invoker. */
export const viewLints = {
  'security-definer-view': {
    severity: 'error',
    title: 'a view an API role can read is not security_invoker and reads RLS tables',
    why: 'A view checks permissions and RLS as its owner, not as the caller (unless security_invoker); owned by postgres, it returns every row of the tables beneath it to every user who may select from it.',
    fix: 'alter view … set (security_invoker = true) (PostgreSQL 15+), or revoke select on it from the API roles',
    check: (catalog) =>
      catalog.views
        .filter((v) => !v.securityInvoker && v.selectableBy.length > 0 && v.rlsTables.length > 0)
        .map((v) => ({
          object: v.name,
          objectType: 'view',
          message: `view ${v.name} (owner ${v.owner}) runs as its owner over RLS table${v.rlsTables.length === 1 ? '' : 's'} ${v.rlsTables.join(', ')}, and ${v.selectableBy.join(', ')} may select from it`,
          fix: `alter view ${qualified(v.schema, v.view)} set (security_invoker = true);`,
        })),
  },
} satisfies Record<string, LintRule>;
