import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { connectionHint } from '../database/connection-hint.js';
import { freePort } from '../database/providers/free-port.js';
import { urlProvider } from '../database/providers/url.js';
import { sharedDatabaseSuite, writeProject } from './helpers.js';
import { urlOf } from './providers-helpers.js';

// Connecting to someone else's database fails for a handful of reasons, each with its own fix:
// the message keeps PostgreSQL's (or node's) words and adds what to check.
const shared = sharedDatabaseSuite();

async function connectError(url: string): Promise<{ message: string; exitCode?: number }> {
  const error = await urlProvider.start({ url }).then(
    async (started) => {
      await started.stop();
      return undefined;
    },
    (e: unknown) => e as { message: string; exitCode?: number },
  );
  if (!error) throw new Error(`connected to ${url}`);
  return error;
}

describe('--provider url: a connection failure says what to check', () => {
  it('a wrong password: check it and percent-encode it, and the password is not shown', async () => {
    const { connection } = shared.database();
    const error = await connectError(urlOf(connection, 'postgres', connection.user, 'not-the-Secret-99'));
    expect(error.message).toContain(`password authentication failed for user "${connection.user}"`);
    expect(error.message).toContain(`\n  hint: the server refused the password of user '${connection.user}': check it in --url, and percent-encode any @ : / ? # in it (e.g. @ as %40)`);
    expect(error.message).not.toContain('not-the-Secret-99');
    expect(error.exitCode).toBe(3);
  }, 60_000);

  it('a database that does not exist: the name after the last /', async () => {
    const { connection } = shared.database();
    const error = await connectError(urlOf(connection, 'no_such_db'));
    expect(error.message).toContain('database "no_such_db" does not exist');
    expect(error.message).toContain(`hint: the database 'no_such_db' does not exist at ${connection.host}:${connection.port}: check the name after the last / of --url (Supabase's is postgres)`);
  }, 60_000);

  it('a port nothing listens on: is the server running, is the port right — on the command line, exit 3, no stack trace', async () => {
    const port = await freePort();
    const dir = await writeProject({ 'rls-matrix.yaml': 'version: 1\npersonas: { anon: { role: anon } }\ndefaults: deny\n' });
    let output = '';
    const io = { stdout: (t: string) => void (output += t), stderr: (t: string) => void (output += t), isTTY: false, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '', DATABASE_URL: '' } };
    const code = await main(['node', 'rls-matrix', 'run', join(dir, 'rls-matrix.yaml'), '--provider', 'url', '--url', `postgres://someone:pw@127.0.0.1:${port}/postgres`, '--reporter', 'none'], io);
    expect(code).toBe(3);
    expect(output).toContain(`cannot connect to postgres://someone@127.0.0.1:${port}/postgres: connect ECONNREFUSED 127.0.0.1:${port}`);
    expect(output).toContain(
      `hint: nothing accepts connections at 127.0.0.1:${port}: is the server running, and is the port right? (a local Supabase stack listens on 54322; \`supabase status\` prints its DB URL)`,
    );
    expect(output).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('failures this machine cannot produce on demand get their hint from the error code or text', () => {
    const target = { host: 'db.example.invalid', port: 5432, user: 'postgres', database: 'postgres' };
    expect(connectionHint({ code: 'ENOTFOUND' }, target)).toBe("the host 'db.example.invalid' does not resolve: check its spelling in --url, and the network or VPN it needs");
    expect(connectionHint({ code: '28000', message: 'no pg_hba.conf entry for host "10.0.0.1", user "postgres", database "postgres", no encryption' }, target)).toBe(
      "the server's pg_hba.conf does not let user 'postgres' connect to 'postgres' from here without SSL: add ?sslmode=require to --url",
    );
    expect(connectionHint({ message: 'The server does not support SSL connections' }, target)).toBe('the server does not speak SSL: remove sslmode=require from --url (or use sslmode=disable)');
    expect(connectionHint({ message: 'self-signed certificate in certificate chain' }, target)).toMatch(/^the server's TLS certificate is not one node trusts/);
    expect(connectionHint({ code: 'XX000', message: 'something else' }, target)).toBeUndefined();
  });
});
