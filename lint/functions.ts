import type { LintCatalog, LintFunction, LintHit, LintRule } from './types.js';
import { qualified } from './sql.js';

const signature = (fn: LintFunction) => `${fn.name}(${fn.args})`;
const revokeFrom = (fn: LintFunction, role: string) => `revoke execute on function ${qualified(fn.schema, fn.function)}(${fn.args}) from public, ${role};  -- then grant it to the roles that need it`;

function executableDefiners(catalog: LintCatalog, role: 'anon' | 'authenticated'): LintHit[] {
  return catalog.functions
    .filter((fn) => fn.securityDefiner && !fn.trigger && fn.executableBy.includes(role))
    .map((fn) => ({
      object: fn.name,
      objectType: 'function',
      message: `SECURITY DEFINER function ${signature(fn)} is executable by ${role}: callable as /rpc/${fn.function}, it runs as its owner and bypasses RLS`,
      fix: revokeFrom(fn, role),
    }));
}

const definerWhy = (who: string) =>
  `A SECURITY DEFINER function runs with its owner's privileges, usually bypassing RLS; PostgreSQL grants EXECUTE to PUBLIC by default, so ${who} can call it through PostgREST's /rpc unless it was revoked.`;

/** Lints about functions: SECURITY DEFINER reachable from the API, search_path not pinned. */
export const functionLints = {
  'anon-security-definer-function-executable': {
    severity: 'warn',
    title: 'anon may execute a SECURITY DEFINER function',
    why: definerWhy('any visitor holding the public anon key'),
    fix: 'revoke EXECUTE from public and anon; make it SECURITY INVOKER, or move it out of the exposed schemas',
    check: (catalog) => executableDefiners(catalog, 'anon'),
  },

  'authenticated-security-definer-function-executable': {
    severity: 'warn',
    title: 'authenticated may execute a SECURITY DEFINER function',
    why: definerWhy('every signed-in user'),
    fix: 'make sure the function checks auth.uid() itself, or revoke EXECUTE from public and authenticated',
    check: (catalog) => executableDefiners(catalog, 'authenticated'),
  },

  'function-search-path-mutable': {
    severity: 'warn',
    title: 'a function does not pin its search_path',
    why: "An unqualified name in the function resolves through the caller's search_path: a caller who can create objects on it can substitute their own table or function, which a SECURITY DEFINER function then runs with its owner's rights.",
    fix: "pin it: alter function … set search_path = '' (and qualify every name), or = pg_catalog, public",
    check: (catalog) =>
      catalog.functions
        .filter((fn) => fn.searchPath === null)
        .map((fn) => ({
          object: fn.name,
          objectType: 'function',
          // Only a definer turns a hijacked name into a privilege escalation.
          ...(fn.securityDefiner ? {} : { severity: 'info' as const }),
          message: `${fn.securityDefiner ? 'SECURITY DEFINER ' : ''}function ${signature(fn)} does not pin its search_path`,
          fix: `alter function ${qualified(fn.schema, fn.function)}(${fn.args}) set search_path = '';  -- and schema-qualify every name in its body`,
        })),
  },
} satisfies Record<string, LintRule>;
