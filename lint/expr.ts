import type { LintCatalog, LintPolicy } from './types.js';

// Heuristics over policy expressions as pg_get_expr deparses them (with search_path = pg_catalog,
// so auth functions appear as `auth.uid()` and a wrapped call as `( SELECT auth.uid() AS uid)`).

/** True for `true`, `(true)`, `1 = 1` and the like: an expression that admits every row. */
export function isAlwaysTrue(expression: string | null): boolean {
  if (expression === null) return false;
  let text = expression.toLowerCase().replace(/\s+/g, '');
  while (text.startsWith('(') && text.endsWith(')') && balanced(text.slice(1, -1))) text = text.slice(1, -1);
  return text === 'true' || text === '1=1' || text === "'t'::boolean" || text === 'true::boolean';
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const AUTH_CALL = /auth\.(uid|jwt|role|email)\(\)/g;
const WRAPPED_AUTH_CALL = /select\s+auth\.(uid|jwt|role|email)\(\)/g;

/** auth.uid()/jwt()/role()/email() calls not wrapped in `(select …)`, which PostgreSQL evaluates once per row. */
export function unwrappedAuthCalls(expression: string | null): string[] {
  if (expression === null) return [];
  const text = expression.toLowerCase();
  const calls = [...text.matchAll(AUTH_CALL)].map((m) => `auth.${m[1]}()`);
  const wrapped = [...text.matchAll(WRAPPED_AUTH_CALL)].length;
  return calls.length > wrapped ? [...new Set(calls)] : [];
}

/** True when the expression reads `user_metadata` out of the JWT (auth.jwt() or the request.jwt.claims setting). */
export function readsUserMetadata(expression: string | null): boolean {
  if (expression === null) return false;
  return /user_metadata/.test(expression) && /(auth\.jwt\(\)|request\.jwt\.claim)/.test(expression);
}

/** True when `column` appears in the expression as an identifier (bare or quoted). */
export function mentionsColumn(expression: string | null, column: string): boolean {
  if (expression === null) return false;
  const bare = /^[a-z_][a-z0-9_$]*$/.test(column) ? `|(?<![\\w$"])${escapeRegExp(column)}(?![\\w$"])` : '';
  return new RegExp(`"${escapeRegExp(column.replace(/"/g, '""'))}"${bare}`).test(expression);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** True when the policy applies to one of the API roles (or to public, which includes them all). */
export function appliesToApi(policy: LintPolicy, catalog: LintCatalog): boolean {
  return policy.roles.includes('public') || policy.roles.some((r) => catalog.apiRoles.includes(r));
}

/** The API roles a policy applies to (public counts for all of them). */
export function apiRolesOf(policy: LintPolicy, catalog: LintCatalog): string[] {
  return policy.roles.includes('public') ? catalog.apiRoles : catalog.apiRoles.filter((r) => policy.roles.includes(r));
}

/** The commands a policy covers: ALL is every one. */
export function commandsOf(policy: LintPolicy): ('SELECT' | 'INSERT' | 'UPDATE' | 'DELETE')[] {
  return policy.command === 'ALL' ? ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] : [policy.command];
}
