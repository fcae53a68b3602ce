/** What a redacted secret is replaced with. */
const REDACTED = '***';

/** Keys whose values are secrets in `key=value`, `key: value` and JSON forms. */
const SECRET_KEYS = 'password|passwd|pwd|pgpassword|secret|jwt_secret|jwt-secret|jwtsecret|api[_-]?key|apikey|service[_-]?role[_-]?key|access[_-]?token|refresh[_-]?token|sslpassword|sslkey';

// Greedy to the last '@' of the word: an unencoded '@' in a password must not leak its tail.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):([^\s'"]*)@/gi;
// A key may carry a prefix (DATABASE_PASSWORD=, SUPABASE_JWT_SECRET:), never a suffix.
const KEY_VALUE = new RegExp(`(\\b[\\w-]*?(?:${SECRET_KEYS})\\s*[=:]\\s*)('[^']*'|"[^"]*"|[^\\s&;,'"]+)`, 'gi');
const JSON_VALUE = new RegExp(`("[\\w-]*?(?:${SECRET_KEYS})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'gi');
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/-]+=*/g;

/**
 * Removes secrets from text bound for a log line, an error message or a report: the password of
 * every URL (`postgres://user:secret@host` → `postgres://user:***@host`), the values of
 * `password=`, `PGPASSWORD=`, `secret:`, `"jwt_secret": "…"` and similar forms, bearer tokens,
 * and every occurrence of the given known secrets (a database password, a JWT secret), whatever
 * form they appear in.
 *
 * @example
 * redact('cannot connect to postgres://ci:hunter2@db:5432/app'); // 'cannot connect to postgres://ci:***@db:5432/app'
 */
export function redact(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  // Longest first, so a secret containing another is replaced whole.
  const known = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
  for (const secret of known) {
    out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(REDACTED);
  }
  return out
    .replace(URL_CREDENTIALS, (_, head: string) => `${head}:${REDACTED}@`)
    .replace(JSON_VALUE, (_, head: string) => `${head}"${REDACTED}"`)
    .replace(KEY_VALUE, (match, head: string, value: string) => (value === REDACTED || value === `"${REDACTED}"` ? match : `${head}${REDACTED}`))
    .replace(BEARER, (_, head: string) => `${head}${REDACTED}`);
}

/**
 * The password of a connection URL (percent-decoded), to hand to `redact` as a known secret, or
 * undefined when the URL has none or does not parse.
 */
export function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return /:\/\/[^:/@\s]*:([^@\s]*)@/.exec(url)?.[1];
  }
}

/**
 * Wraps a writer (stdout, stderr, a log sink) so everything it writes is redacted; `secrets` is
 * read at every write, so secrets learnt later (a started server's password) are covered too.
 *
 * @example
 * const stderr = redactingWriter((text) => process.stderr.write(text), secrets);
 */
export function redactingWriter<R>(write: (text: string) => R, secrets: readonly string[]): (text: string) => R {
  return (text) => write(redact(text, secrets));
}
