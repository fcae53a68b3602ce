import type { LintCatalog, LintFunction, LintHit, LintRule } from './types.js';
import { qualified } from './sql.js';

const signature = (fn: LintFunction) => `${fn.name}(${fn.args})`;
/**
 * Out of the exposed schemas PostgREST cannot call it, while every policy that calls it keeps
 * working: a policy refers to its function by oid, and the caller keeps EXECUTE, which the policy
 * needs (revoking EXECUTE from the API roles breaks every policy that uses the helper).
 */
const moveOut = (fn: LintFunction) =>
  `create schema if not exists private; alter function ${qualified(fn.schema, fn.function)}(${fn.args}) set schema private;  -- policies calling it keep working; or make it security invoker if it needs no owner rights`;

function executableDefiners(catalog: LintCatalog, role: 'anon' | 'authenticated'): LintHit[] {
  return catalog.functions
    .filter((fn) => fn.securityDefiner && !fn.trigger && fn.executableBy.includes(role))
    .map((fn) => ({
      object: fn.name,
      objectType: 'function',
      message: `SECURITY DEFINER function ${signature(fn)} is executable by ${role}: callable as /rpc/${fn.function}, it runs as its owner and bypasses RLS`,
      fix: moveOut(fn),
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
    fix: 'move it out of the exposed schemas (policies that call it keep working), or make it SECURITY INVOKER; do not revoke EXECUTE from anon while policies call it',
    check: (catalog) => executableDefiners(catalog, 'anon'),
  },

  'authenticated-security-definer-function-executable': {
    severity: 'warn',
    title: 'authenticated may execute a SECURITY DEFINER function',
    why: definerWhy('every signed-in user'),
    fix: 'move it out of the exposed schemas (policies that call it keep working), or make it SECURITY INVOKER; do not revoke EXECUTE from authenticated while policies call it',
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
