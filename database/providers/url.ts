import pg from 'pg';
import { HarnessError } from '../../core/index.js';
import { redact, urlPassword } from '../redact.js';
import { connectionHint } from '../connection-hint.js';
import type { ConnectionInfo, Provider, ProviderOptions, StartedDatabase } from './types.js';

/**
 * An existing database, e.g. staging, from `--url postgres://…` or DATABASE_URL. Nothing is ever
 * committed there: the shim, migrations (only with --apply-migrations), fixtures and every cell
 * run inside one transaction per matrix that is always rolled back (`isolation: 'transaction'`).
 * Checks the connection first, refuses a read-only standby, and warns when lc_messages cannot be
 * set to C (the classifier reads 42501 messages in English).
 *
 * @example
 * const database = await urlProvider.start({ url: 'postgres://ci@staging.example.com/app' });
 */
export const urlProvider: Provider = {
  name: 'url',
  async start(options: ProviderOptions = {}): Promise<StartedDatabase> {
    const url = options.url ?? process.env.DATABASE_URL;
    if (!url) throw new HarnessError('ERR_PROVIDER_OPTIONS', '--provider url needs a database: pass --url postgres://user:password@host:port/database or set DATABASE_URL');
    const connection = parseDatabaseUrl(url);
    const client = new pg.Client({ ...connection, application_name: 'rls-matrix' });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (cause) {
      const hint = connectionHint(cause, connection);
      throw new HarnessError(
        'ERR_CONNECTION',
        `cannot connect to ${describeTarget(connection)}: ${redact(errorText(cause), [connection.password])}${hint ? `\n  hint: ${redact(hint, [connection.password])}` : ''}`,
        { cause },
      );
    }
    try {
      const { rows } = await client.query<{ role: string; standby: boolean; lc_messages: string }>(
        `select current_user as role, pg_is_in_recovery() as standby, current_setting('lc_messages') as lc_messages`,
      );
      const { role, standby, lc_messages: current } = rows[0]!;
      if (standby) throw new HarnessError('ERR_CONNECTION', `${describeTarget(connection)} is a read-only standby: even changes that are rolled back need the primary; point --url at it`);
      const setError = await client.query(`set lc_messages = 'C'`).then(
        () => undefined,
        (error: Error) => error,
      );
      const warning = lcMessagesWarning(role, current, setError);
      if (warning) options.onWarning?.(warning);
    } finally {
      await client.end().catch(() => undefined);
    }
    return { connection, isolation: 'transaction', stop: async () => undefined };
  },
};

/**
 * Parses a `postgres://` or `postgresql://` URL into connection fields for messages, keeping the
 * URL itself for node-postgres (`connectionString`), so `sslmode` and the other parameters mean
 * exactly what node-postgres documents. Throws ERR_URL_INVALID (exit 2) without echoing the
 * password.
 */
export function parseDatabaseUrl(url: string): ConnectionInfo {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarnessError('ERR_URL_INVALID', `--url '${redact(url, [urlPassword(url)])}' is not a URL: expected postgres://user:password@host:port/database`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new HarnessError('ERR_URL_INVALID', `--url must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  const decode = (value: string) => {
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  };
  return {
    host: parsed.searchParams.get('host') ?? (decode(parsed.hostname) || 'localhost'),
    port: Number(parsed.port || parsed.searchParams.get('port') || 5432),
    user: decode(parsed.username) || process.env.PGUSER || 'postgres',
    password: decode(parsed.password),
    database: decode(parsed.pathname.slice(1)) || decode(parsed.username) || 'postgres',
    connectionString: url,
  };
}

/** `postgres://user@host:port/database`, never with the password: for messages. */
/** The error's message; node's AggregateError (every address of a host refused) has none of its own. */
function errorText(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown; errors?: { message?: unknown }[] };
  if (typeof e?.message === 'string' && e.message) return e.message;
  const inner = e?.errors?.map((x) => x.message).filter((m): m is string => typeof m === 'string') ?? [];
  return inner.length ? inner.join('; ') : String(e?.code ?? error);
}

function describeTarget(connection: ConnectionInfo): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  return `postgres://${encodeURIComponent(connection.user)}@${host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

/**
 * The warning to give when the classifier may not be able to read 42501 messages: lc_messages
 * could not be set to C (it needs a superuser, or on PostgreSQL 15+ `GRANT SET ON PARAMETER
 * lc_messages`) and the session's language is not English. English messages (C, POSIX, en_*)
 * classify correctly as they are.
 */
export function lcMessagesWarning(role: string, current: string, setError: Error | undefined): string | undefined {
  if (!setError) return undefined;
  if (/^(C|POSIX|en)([._@-]|$)/i.test(current)) return undefined;
  return (
    `the connecting role '${role}' cannot set lc_messages to C (${setError.message}) and the server's messages are in '${current || "the server's environment locale"}': ` +
    `cells refused with 42501 may be classified as errors instead of denied:policy or denied:privilege. ` +
    `Grant it with: grant set on parameter lc_messages to ${pg.escapeIdentifier(role)}; (PostgreSQL 15+), or set lc_messages = 'C' for that role or database`
  );
}
