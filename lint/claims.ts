import { readsUserMetadata, unwrappedAuthCalls } from './expr.js';
import type { LintHit, LintRule } from './types.js';

/** Lints about how policies read the caller's identity: user-editable claims, per-row auth calls. */
export const claimLints = {
  'rls-references-user-metadata': {
    severity: 'error',
    title: 'a policy reads user_metadata from the JWT, which the user can edit',
    why: "Any signed-in user can set their own user_metadata (supabase.auth.updateUser({ data })), so a policy that trusts it (user_metadata ->> 'role' = 'admin') lets them grant themselves access.",
    fix: 'read roles and tenants from app_metadata (only the service role can write it) or from a table the user cannot write',
    check: (catalog) =>
      catalog.tables.flatMap((table) =>
        table.policies
          .filter((p) => readsUserMetadata(p.using) || readsUserMetadata(p.withCheck))
          .map(
            (p): LintHit => ({
              object: table.name,
              objectType: 'table',
              policy: p.name,
              message: `policy "${p.name}" (${p.command}) on ${table.name} reads user_metadata from the JWT: ${p.using ?? p.withCheck}`,
            }),
          ),
      ),
  },

  'auth-rls-initplan': {
    severity: 'warn',
    title: 'a policy calls auth.uid()/auth.jwt() per row instead of once, wrapped in (select …)',
    why: 'A bare auth.uid() in a policy is evaluated for every row the query touches; wrapped as (select auth.uid()) PostgreSQL computes it once per statement (an initPlan), often 10–100× faster on large tables.',
    fix: 'wrap each call: using (owner_id = (select auth.uid()))',
    check: (catalog) =>
      catalog.tables
        .filter((t) => t.rlsEnabled)
        .flatMap((table) =>
          table.policies.flatMap((p): LintHit[] => {
            const calls = [...new Set([...unwrappedAuthCalls(p.using), ...unwrappedAuthCalls(p.withCheck)])];
            if (!calls.length) return [];
            return [
              {
                object: table.name,
                objectType: 'table',
                policy: p.name,
                message: `policy "${p.name}" (${p.command}) on ${table.name} calls ${calls.join(', ')} per row`,
                fix: `rewrite the policy with ${calls.map((c) => `(select ${c})`).join(', ')} in place of ${calls.join(', ')}`,
              },
            ];
          }),
        ),
  },
} satisfies Record<string, LintRule>;
