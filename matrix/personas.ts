import type { PersonaSpec } from './schema.js';
import type { LoadedMatrix } from './types.js';

/**
 * What a persona is, read from its spec alone. A **user** persona is a signed-in user: its token
 * carries `sub`, `email` and the rest of a session's claims. It is one when its role is
 * `authenticated`, when it gives `id` or `email`, or with `user: true`; anon, service_role and
 * custom roles otherwise carry only their role, as Supabase's API keys do.
 */
function isUserPersona(spec: PersonaSpec | undefined): boolean {
  if (!spec) return false;
  return spec.role === 'authenticated' || spec.id !== undefined || spec.email !== undefined || spec.user !== undefined;
}

/** A user persona with an auth.users row: bound to an existing one, or signed up. `user: false` has none. */
export function personaNeedsUserRow(spec: PersonaSpec | undefined): boolean {
  return isUserPersona(spec) && spec!.user !== false;
}

/** Whether persona `persona` of the matrix is a user persona (see {@link isUserPersona}). */
export function personaHasUser(matrix: Pick<LoadedMatrix, 'personas'>, persona: string): boolean {
  return isUserPersona(matrix.personas[persona]);
}

/** The email a user persona signs up with and its token carries, unless it gives one. */
export function personaEmail(matrix: Pick<LoadedMatrix, 'personas'>, persona: string): string {
  return matrix.personas[persona]?.email ?? `${persona}@example.test`;
}

/** `extra` merged into `base`, objects key by key (how a persona's `claims:` meet the claims it gets). */
export function mergeClaims(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = merged[key];
    merged[key] = isPlainObject(current) && isPlainObject(value) ? mergeClaims(current, value) : value;
  }
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
