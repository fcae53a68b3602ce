import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { HarnessError } from '../core/errors.js';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

// PostgREST connects as authenticator and switches to the token's role. Supabase grants it anon,
// authenticated and service_role only: a custom API role the migrations forget to grant to it is a
// setup error on both executors (every request of that persona would fail), and the API path never
// grants it by itself.
const shared = sharedDatabaseSuite();

const project = (role: string, grant: boolean) =>
  writeProject({
    'schema.sql': `create role ${role} nologin noinherit;
grant usage on schema public to ${role};
${grant ? `grant ${role} to authenticator;` : ''}
create table public.docs (id uuid primary key default gen_random_uuid(), body text);
alter table public.docs enable row level security;
grant select on public.docs to ${role};
create policy prem on public.docs for select to ${role} using (true);
`,
    'rls-matrix.yaml': `version: 1
database: { migrations: ./schema.sql }
fixtures:
  rows:
    public.docs: [{ body: a }]
personas:
  alice: { role: authenticated }
  vip: { role: ${role}, id: 33333333-3333-3333-3333-333333333333 }
tables:
  public.docs:
    expect:
      alice: { select: deny }
      vip: { select: allow }
`,
  });

describe('custom roles and authenticator', () => {
  for (const executor of ['sql', 'postgrest'] as const) {
    it(`a role not granted to authenticator is a setup error at the persona's line (${executor})`, async () => {
      const role = `premium_missing_${executor}`;
      const dir = await project(role, false);
      const error = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider(), executor }).then(
        () => undefined,
        (e: unknown) => e as HarnessError,
      );
      expect(error).toBeInstanceOf(HarnessError);
      expect([error?.code, error?.exitCode]).toEqual(['ERR_PERSONA_ROLE', 2]);
      expect(error?.message).toBe(
        `role 'authenticator' cannot SET ROLE to '${role}' (persona vip at ${join(dir, 'rls-matrix.yaml')}:8:3), so every request of this persona through the API would fail ` +
          `with 42501 "permission denied to set role": add  grant "${role}" to authenticator;  to a migration (Supabase grants only anon, authenticated and service_role to it)`,
      );
    }, 60_000);
  }

  it('a role the migrations grant to authenticator runs through the real PostgREST', async () => {
    const dir = await project('premium_granted', true);
    const { results, summary } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider(), executor: 'postgrest' });
    expect(results.get('public.docs/vip/select/*')).toMatchObject({ status: 'pass', outcome: { class: 'allowed', rows: 1 } });
    expect(results.get('public.docs/vip/select/*')?.via).toMatchObject({ executor: 'postgrest', exchange: { response: { status: 200 } } });
    expect(summary.exitCode).toBe(0);
  }, 60_000);
});
