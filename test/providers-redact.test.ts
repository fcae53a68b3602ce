import { describe, expect, it } from 'vitest';
import { reportError } from '../cli/errors.js';
import { HarnessError } from '../core/errors.js';
import { redact, redactingWriter, urlPassword } from '../database/redact.js';
import { cli } from './providers-helpers.js';

describe('redact', () => {
  it.each([
    ['postgres://ci:hunter2@db.example.com:5432/app', 'postgres://ci:***@db.example.com:5432/app'],
    ['postgresql://ci:p%40ss%3Aword@db/app?sslmode=require', 'postgresql://ci:***@db/app?sslmode=require'],
    ['at postgres://ci:p@ss@db/app, retrying', 'at postgres://ci:***@db/app, retrying'],
    ['host=db user=ci password=hunter2 dbname=app', 'host=db user=ci password=*** dbname=app'],
    ["password='hunter 2' port=5432", 'password=*** port=5432'],
    ['PGPASSWORD=hunter2 DATABASE_PASSWORD="x y" psql', 'PGPASSWORD=*** DATABASE_PASSWORD=*** psql'],
    ['{"jwt_secret":"super-secret-jwt-token-with-at-least-32-characters","role":"anon"}', '{"jwt_secret":"***","role":"anon"}'],
    ['SUPABASE_JWT_SECRET: abcdefghijkl', 'SUPABASE_JWT_SECRET: ***'],
    ['Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', 'Authorization: Bearer ***'],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('leaves ordinary text alone: English about passwords, URLs without credentials, YAML tokens', () => {
    for (const text of ['password authentication failed for user "ci"', 'see https://supabase.com/docs/guides/auth', 'unexpected token: } at matrix.yaml:3:1', 'password_hash is not null']) {
      expect(redact(text)).toBe(text);
    }
  });

  it('replaces known secrets wherever they appear, plain or percent-encoded', () => {
    expect(redact('connect failed for s3cr3t/pw and s3cr3t%2Fpw', ['s3cr3t/pw'])).toBe('connect failed for *** and ***');
    expect(urlPassword('postgres://u:s3cr3t%2Fpw@h/d')).toBe('s3cr3t/pw');
    expect(urlPassword('postgres://u@h/d')).toBeUndefined();
    const written: string[] = [];
    const secrets: string[] = [];
    const write = redactingWriter((t: string) => written.push(t), secrets);
    secrets.push('learnt-later');
    write('pw is learnt-later\n');
    expect(written).toEqual(['pw is ***\n']);
  });

  it('reportError prints connection errors without the password', () => {
    let stderr = '';
    const io = { stdout: () => undefined, stderr: (t: string) => void (stderr += t), isTTY: false, env: {} };
    const code = reportError(new HarnessError('ERR_CONNECTION', 'cannot connect to postgres://ci:hunter2@db:5432/app: timeout'), io);
    expect(code).toBe(3);
    expect(stderr).toBe('rls-matrix: cannot connect to postgres://ci:***@db:5432/app: timeout\n');
  });

  it('the CLI never prints the password of --url or DATABASE_URL, even in errors about them', async () => {
    const bad = await cli(['run', 'examples/lms', '--url', 'mysql://ci:Hunter2-pw@db/app', '--reporter', 'none']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('rls-matrix: --url must start with postgres:// or postgresql://, not mysql://\n');
    const refused = await cli(['run', 'examples/lms', '--provider', 'url', '--no-apply-migrations', '--reporter', 'none'], { DATABASE_URL: 'postgres://ci:Hunter2-pw@127.0.0.1:1/app' });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^rls-matrix: cannot connect to postgres:\/\/ci@127\.0\.0\.1:1\/app: .*ECONNREFUSED/);
    const garbled = await cli(['run', 'examples/lms', '--url', 'postgres://ci:Hunter2-pw@db:notaport/app', '--reporter', 'none']);
    expect(garbled.code).toBe(2);
    for (const result of [bad, refused, garbled]) expect(result.stdout + result.stderr).not.toContain('Hunter2-pw');
  });

  it('refuses provider flags that do not belong to the chosen provider (exit 2)', async () => {
    const wrong = await cli(['run', 'examples/lms', '--provider', 'embedded', '--pg-bin', '/usr/lib/postgresql/15/bin', '--reporter', 'none']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('rls-matrix: --pg-bin applies to --provider system, not --provider embedded: drop it or pass --provider system\n');
    const noUrl = await cli(['run', 'examples/lms', '--provider', 'url', '--reporter', 'none'], { DATABASE_URL: '' });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('--provider url needs a database: pass --url postgres://');
  });
});
