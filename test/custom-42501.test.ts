import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runAndCollect, sharedDatabaseSuite, writeProject } from './helpers.js';

// `deny` means filtered or refused: a 42501 a trigger raises with its own message refuses too, so
// `deny` holds wherever `refused` does. The outcome class stays `error` (neither PostgreSQL's
// privilege nor its policy wording).
const shared = sharedDatabaseSuite();

const SCHEMA = `
create table public.t_custom (id uuid primary key default gen_random_uuid(), owner_id uuid not null);
alter table public.t_custom enable row level security;
create policy all_ on public.t_custom for all to authenticated using (true) with check (true);
grant select, insert on public.t_custom to authenticated;
create function public.deny_x() returns trigger language plpgsql as $$
begin raise exception 'only the billing service may add rows' using errcode = '42501'; end $$;
create trigger t before insert on public.t_custom for each row execute function public.deny_x();
create function public.guard() returns trigger language plpgsql as $$
begin raise exception 'not today' using errcode = 'P0001'; end $$;
create table public.t_other (id uuid primary key default gen_random_uuid());
alter table public.t_other enable row level security;
create policy all_ on public.t_other for all to authenticated using (true) with check (true);
grant select, insert on public.t_other to authenticated;
create trigger g before insert on public.t_other for each row execute function public.guard();
`;

const MATRIX = `
version: 1
database: { migrations: ./schema.sql }
personas:
  alice: { role: authenticated }
  bob: { role: authenticated }
tables:
  public.t_custom:
    rows: { default: { owner_id: "@user.alice" } }
    expect:
      alice: { insert: refused }
      bob: { insert: deny }
  public.t_other:
    expect:
      alice: { insert: deny }
`;

describe('a custom 42501', () => {
  it('holds for deny as it does for refused; another SQLSTATE stays an error', async () => {
    const dir = await writeProject({ 'rls-matrix.yaml': MATRIX, 'schema.sql': SCHEMA });
    const { results } = await runAndCollect(join(dir, 'rls-matrix.yaml'), { provider: shared.provider() });
    const seen = (id: string) => {
      const r = results.get(id)!;
      return { status: r.status, class: r.outcome.class, sqlstate: r.outcome.error?.sqlstate };
    };
    expect(seen('public.t_custom/alice/insert/*')).toEqual({ status: 'pass', class: 'error', sqlstate: '42501' });
    expect(seen('public.t_custom/bob/insert/*')).toEqual({ status: 'pass', class: 'error', sqlstate: '42501' });
    expect(seen('public.t_other/alice/insert/*')).toEqual({ status: 'error', class: 'error', sqlstate: 'P0001' });
  }, 60_000);
});
