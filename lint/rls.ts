import { ident, qualified } from './sql.js';
import type { LintRule } from './types.js';

/** Lints about whether RLS is on at all: enabled, policied, and not bypassed by the owner. */
export const rlsLints = {
  'rls-disabled-in-public': {
    severity: 'error',
    title: 'a table in an exposed schema does not have RLS enabled',
    why: 'PostgREST serves every table of an exposed schema: without RLS, any role holding a grant on it (Supabase grants anon and authenticated by default) reads and writes every row.',
    fix: 'enable RLS and write policies; or move the table to a schema the API does not expose',
    check: (catalog) =>
      catalog.tables
        .filter((t) => !t.rlsEnabled)
        .map((t) => ({
          object: t.name,
          objectType: 'table',
          message: `table ${t.name} is in an exposed schema, but RLS is not enabled`,
          fix: `alter table ${qualified(t.schema, t.table)} enable row level security;  -- then create the policies it needs`,
        })),
  },

  'rls-enabled-no-policy': {
    severity: 'info',
    title: 'RLS is enabled but the table has no policy',
    why: 'With RLS on and no policy, every API role is denied every row: fine for a table only the service role or SECURITY DEFINER code touches, a bug if the app is meant to read it.',
    fix: 'create the policies the app needs, or waive the finding for a backend-only table',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled && t.policies.length === 0)
        .map((t) => ({ object: t.name, objectType: 'table', message: `table ${t.name} has RLS enabled but no policy: every API role sees and writes nothing` })),
  },

  'policy-exists-rls-disabled': {
    // splinter rates this INFO; here it is an error: the policies read as protection that is not there.
    severity: 'error',
    title: 'a table has policies but RLS is disabled, so none of them applies',
    why: 'Policies do nothing until RLS is enabled on their table: the schema reads as protected while every grant gives access to every row.',
    fix: 'enable RLS on the table (or drop the dead policies)',
    check: (catalog) =>
      catalog.tables
        .filter((t) => !t.rlsEnabled && t.policies.length > 0)
        .map((t) => ({
          object: t.name,
          objectType: 'table',
          message: `table ${t.name} has ${t.policies.length} polic${t.policies.length === 1 ? 'y' : 'ies'} (${t.policies.map((p) => p.name).join(', ')}) but RLS is disabled, so none applies`,
          fix: `alter table ${qualified(t.schema, t.table)} enable row level security;`,
        })),
  },

  'api-role-owns-table': {
    severity: 'error',
    title: 'an API role owns an RLS table (or inherits its owner) and RLS is not forced',
    why: 'A table owner, and every member that inherits the owner role, bypasses RLS unless it is FORCEd: every request made as that role sees and changes every row.',
    fix: 'give the table to a non-API owner (alter table … owner to postgres), or force RLS on it',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled && !t.rlsForced && t.apiOwners.length > 0)
        .map((t) => ({
          object: t.name,
          objectType: 'table',
          message: `table ${t.name} is owned by ${t.owner}, so ${t.apiOwners.join(' and ')} bypass${t.apiOwners.length === 1 ? 'es' : ''} its RLS (it is not FORCEd)`,
          fix: `alter table ${qualified(t.schema, t.table)} owner to postgres;  -- or, to keep ${ident(t.owner)} as owner: alter table ${qualified(t.schema, t.table)} force row level security;`,
        })),
  },
} satisfies Record<string, LintRule>;
