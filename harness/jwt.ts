import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose/jwt/sign';
import { jwtVerify } from 'jose/jwt/verify';
import { personaUserId, stableUuid } from '../fixtures/index.js';
import { type LoadedMatrix, mergeClaims, personaEmail, personaHasUser } from '../matrix/index.js';
import { HarnessError } from '../core/index.js';

/** What a persona acts with: its token, and the role and claims PostgREST derives from it. */
export interface PersonaIdentity {
  persona: string;
  token: string;
  role: string;
  claims: Record<string, unknown>;
  /**
   * The `apikey` header its app sends: the project's anon key for signed-in users (supabase-js
   * created with the anon key, then a session), its own token for API-key personas (anon,
   * service_role: supabase-js created with that key).
   */
  apiKey: string;
  /** Extra HTTP headers the persona's app sends (`headers:` in the matrix). */
  headers?: Record<string, string>;
}

/** A fresh HS256 secret for one run: never written anywhere. */
export function randomJwtSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The claims Supabase Auth puts in a session token, for a persona: `sub`, `role`, `aud`, `email`,
 * `phone`, `app_metadata`, `user_metadata`, `aal`, `amr`, `session_id`, `is_anonymous`, deep-merged
 * with the persona's own `claims:`. Personas that are not users (anon, service_role) carry only the
 * role, as Supabase's API keys do. For a persona bound to an existing auth.users row, `matrix` is
 * the bound one (see `bindPersonas`): its id, email and metadata are that user's.
 */
export function personaClaims(matrix: Pick<LoadedMatrix, 'personas'>, persona: string, issuedAt = 0): Record<string, unknown> {
  const spec = matrix.personas[persona];
  if (!spec) throw new HarnessError('ERR_JWT', `unknown persona ${persona}`);
  const base: Record<string, unknown> = personaHasUser(matrix, persona)
    ? {
        sub: personaUserId(matrix, persona),
        role: spec.role,
        aud: 'authenticated',
        email: personaEmail(matrix, persona),
        phone: spec.phone ?? '',
        app_metadata: { provider: 'email', providers: ['email'] },
        user_metadata: {},
        aal: 'aal1',
        amr: [{ method: 'password', timestamp: issuedAt }],
        session_id: stableUuid(`session:${persona}`),
        is_anonymous: false,
      }
    : { iss: 'supabase', role: spec.role };
  return mergeClaims(base, spec.claims ?? {});
}

/**
 * Mints and verifies one token per persona. Verification uses the same path PostgREST takes.
 * `anonKey` is the project's anon key when the run talks to someone's API; otherwise one is minted
 * with the same secret, as Supabase mints its anon key.
 */
export async function mintIdentities(matrix: Pick<LoadedMatrix, 'personas' | 'jwt'>, secret: string, anonKey?: string): Promise<Map<string, PersonaIdentity>> {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(now + matrix.jwt.expiresIn)
      .sign(key);
  const apiKey = anonKey ?? (await sign({ iss: 'supabase', role: 'anon' }));
  const identities = new Map<string, PersonaIdentity>();
  for (const persona of Object.keys(matrix.personas)) {
    const token = await sign(personaClaims(matrix, persona, now));
    const headers = matrix.personas[persona]!.headers;
    identities.set(persona, {
      persona,
      token,
      ...(await verifyToken(token, key)),
      apiKey: personaHasUser(matrix, persona) ? apiKey : token,
      ...(headers ? { headers } : {}),
    });
  }
  return identities;
}

/**
 * Verifies a token as PostgREST does (signature, expiry) and derives the role and claims from it:
 * the role claim names the database role, the whole payload becomes `request.jwt.claims`.
 */
export async function verifyToken(token: string, key: Uint8Array): Promise<{ role: string; claims: Record<string, unknown> }> {
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] });
    if (typeof payload.role !== 'string' || !payload.role) throw new Error('the token has no role claim');
    return { role: payload.role, claims: payload as Record<string, unknown> };
  } catch (cause) {
    throw new HarnessError('ERR_JWT', `a minted token did not verify: ${(cause as Error).message}`, { cause });
  }
}
