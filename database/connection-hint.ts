/** Where `--url` points, as a connection failure's hint names it. */
export interface ConnectionTarget {
  host: string;
  port: number;
  user: string;
  database: string;
}

/**
 * What to check when connecting to someone else's database (`--provider url`) fails, read from the
 * failure: node's socket error code, PostgreSQL's SQLSTATE, or the TLS message. Undefined when the
 * failure says nothing we can turn into advice; the caller still shows the error itself.
 */
export function connectionHint(error: unknown, target: ConnectionTarget): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  const where = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${where}: is the server running, and is the port right? (a local Supabase stack listens on 54322; \`supabase status\` prints its DB URL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host '${target.host}' does not resolve: check its spelling in --url, and the network or VPN it needs`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no answer from ${where}: a firewall or a private network in between, or the wrong host? (Supabase's direct host is IPv6-only: use the pooler's connection string where IPv6 is missing)`;
    case 'ECONNRESET':
      return `${where} closed the connection at once: does the server require SSL? Add ?sslmode=require to --url`;
    case '28P01':
      return `the server refused the password of user '${target.user}': check it in --url, and percent-encode any @ : / ? # in it (e.g. @ as %40)`;
    case '28000':
      return `the server's pg_hba.conf does not let user '${target.user}' connect to '${target.database}' from here${/SSL off|no encryption/i.test(text) ? ' without SSL: add ?sslmode=require to --url' : ': check the user, the database and which addresses may connect'}`;
    case '3D000':
      return `the database '${target.database}' does not exist at ${where}: check the name after the last / of --url (Supabase's is postgres)`;
    case '53300':
      return `${where} has no connection slot left: close idle sessions, or connect through a pooler`;
    case '57P03':
      return `${where} is starting up or shutting down: wait until it accepts connections, then run again`;
  }
  if (/does not support SSL/i.test(text)) return 'the server does not speak SSL: remove sslmode=require from --url (or use sslmode=disable)';
  if (/self[- ]signed certificate|unable to verify the first certificate|certificate/i.test(text)) {
    return "the server's TLS certificate is not one node trusts: use sslmode=no-verify in --url for a server you trust, or give its CA through NODE_EXTRA_CA_CERTS";
  }
  if (/timeout/i.test(text)) return `no answer from ${where} in time: a firewall or a private network in between, or the wrong host?`;
  return undefined;
}
