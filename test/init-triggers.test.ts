import { expect, it } from 'vitest';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { initProject } from '../harness/index.js';
import { runAndCollect, sharedDatabaseSuite, tempDir } from './helpers.js';

const shared = sharedDatabaseSuite();

// Organisations whose creator a trigger makes a member (as basejump does), a membership helper the
// policies call, and notes keyed to a membership by a composite foreign key (as rbac's member_permissions).
const SCHEMA = `
create table public.orgs (id uuid primary key default gen_random_uuid(), name text not null);
create table public.org_members (
  org_id uuid not null references public.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role text not null default 'member',
  primary key (org_id, user_id)
);
create table public.member_notes (
  id uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.orgs (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  body text not null,
  foreign key (org_id, user_id) references public.org_members (org_id, user_id) on delete cascade
);
create function public.is_org_member(org uuid) returns boolean language sql stable security definer set search_path = '' as $$
  select exists (select 1 from public.org_members m where m.org_id = org and m.user_id = auth.uid())
$$;
create function public.add_creator() returns trigger language plpgsql security definer set search_path = '' as $$
begin
  if auth.uid() is not null then insert into public.org_members (org_id, user_id, role) values (new.id, auth.uid(), 'owner'); end if;
  return new;
end $$;
create trigger add_creator after insert on public.orgs for each row execute function public.add_creator();
alter table public.orgs enable row level security;
alter table public.org_members enable row level security;
alter table public.member_notes enable row level security;
create policy read on public.orgs for select to authenticated using (public.is_org_member(id));
create policy create_org on public.orgs for insert to authenticated with check (true);
create policy mine on public.org_members for select to authenticated using (user_id = auth.uid());
create policy read on public.member_notes for select to authenticated using (public.is_org_member(org_id));
create policy write on public.member_notes for insert to authenticated with check (public.is_org_member(org_id));
`;

it('init on a schema whose trigger adds the creator as a member: membership scopes, rows keyed consistently through a composite foreign key, green, and red when a policy widens', async () => {
  const dir = await tempDir('rls-matrix-init-triggers-');
  await writeFile(join(dir, 'schema.sql'), SCHEMA);
  const outcome = await initProject({ dir, migrations: join(dir, 'schema.sql'), provider: shared.provider() });
  expect(outcome.membered).toEqual([
    { table: 'public.member_notes', call: 'public.is_org_member(org_id)', members: 'public.org_members' },
    { table: 'public.orgs', call: 'public.is_org_member(id)', members: 'public.org_members' },
  ]);
  expect(outcome.refused).toEqual([]);
  // The composite key (org_id, user_id) → org_members: every row, the whole-table insert's too, names a membership that exists.
  expect(outcome.unrecorded).toEqual([]);
  const text = await readFile(outcome.file, 'utf8');
  expect(text).toContain('    public.member_notes:\n      - { org_id: "@public_orgs_a", user_id: "@user.alice" }\n      - { org_id: "@public_orgs_b", user_id: "@user.bob" }\n');
  expect(text).toContain('        insert: allow # recorded, not reviewed\n');
  const green = await runAndCollect(outcome.file, { provider: shared.provider() });
  expect(green.summary.exitCode).toBe(0);
  expect(green.results.get('public.member_notes/service_role/insert/*')?.outcome.class).toBe('allowed');
  expect(green.results.get('public.member_notes/alice/insert/member')?.outcome.class).toBe('allowed');
  expect(green.results.get('public.member_notes/alice/insert/nonmember')?.outcome.class).toBe('denied:policy');

  await appendFile(join(dir, 'schema.sql'), '\ndrop policy write on public.member_notes;\ncreate policy write on public.member_notes for insert to authenticated with check (true);\n');
  const red = await runAndCollect(outcome.file, { provider: shared.provider() });
  const failing = [...red.results.values()].filter((r) => r.status === 'fail').map((r) => r.cell.id);
  expect(failing.sort()).toEqual(['public.member_notes/alice/insert/nonmember', 'public.member_notes/bob/insert/nonmember']);
});

it('init --url --apply-migrations writes the same matrix on an existing empty database, and commits nothing there', async () => {
  const admin = new pg.Client(shared.database().connection);
  await admin.connect();
  try {
    await admin.query('create database init_staging');
  } finally {
    await admin.end();
  }
  const { connection } = shared.database();
  const url = `postgres://${encodeURIComponent(connection.user)}:${encodeURIComponent(connection.password)}@${connection.host}:${connection.port}/init_staging`;
  const local = await tempDir('rls-matrix-init-local-');
  const remote = await tempDir('rls-matrix-init-url-');
  for (const dir of [local, remote]) await writeFile(join(dir, 'schema.sql'), SCHEMA);
  await initProject({ dir: local, migrations: join(local, 'schema.sql'), provider: shared.provider() });
  const outcome = await initProject({ dir: remote, migrations: join(remote, 'schema.sql'), provider: 'url', providerOptions: { url }, applyMigrations: true });
  const strip = (text: string) => text.replaceAll(/\n\s*(migrations|name): .*\n/g, '\n');
  expect(strip(await readFile(outcome.file, 'utf8'))).toBe(strip(await readFile(join(local, 'rls/rls-matrix.yaml'), 'utf8')));
  const staging = new pg.Client({ ...connection, database: 'init_staging' });
  await staging.connect();
  try {
    const { rows } = await staging.query(`select to_regclass('public.orgs') as orgs`);
    expect(rows[0]).toEqual({ orgs: null });
  } finally {
    await staging.end();
  }
});
