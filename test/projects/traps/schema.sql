-- One table per PostgreSQL/PostgREST behaviour that decides a verdict (DESIGN §3 "known traps").

-- Owner-only notes: SELECT denial is silence; UPDATE/DELETE of hidden rows affect 0 rows.
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id),
  body text not null default 'note'
);
alter table public.notes enable row level security;
create policy notes_select on public.notes for select to authenticated using (owner_id = (select auth.uid()));
create policy notes_insert on public.notes for insert to authenticated with check (owner_id = (select auth.uid()));
create policy notes_update on public.notes for update to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy notes_delete on public.notes for delete to authenticated using (owner_id = (select auth.uid()));

-- Some of another user's rows visible: partial.
create table public.posts (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id),
  published boolean not null default false
);
alter table public.posts enable row level security;
create policy posts_select on public.posts for select to authenticated using (published or owner_id = (select auth.uid()));

-- Policies allow everything, but the API roles have no GRANT: denied:privilege.
create table public.secrets (id serial primary key, v text);
alter table public.secrets enable row level security;
create policy secrets_all on public.secrets for all using (true) with check (true);
revoke all on public.secrets from anon, authenticated;

-- Constraint errors after RLS passed: never allow, never deny.
create table public.categories (id uuid primary key default gen_random_uuid(), name text not null);
alter table public.categories enable row level security;
create table public.items (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id),
  label text not null,
  category_id uuid references public.categories (id)
);
alter table public.items enable row level security;
create policy items_insert on public.items for insert to authenticated with check (owner_id = (select auth.uid()));

-- RLS on, no policy, owned by the connecting role: only a cell that really switched role sees nothing.
create table public.locked (id serial primary key, v text not null default 'x');
alter table public.locked enable row level security;

-- Insert allowed, no SELECT policy: INSERT … RETURNING needs one.
create table public.drop_box (id uuid primary key default gen_random_uuid(), owner_id uuid not null, msg text not null default 'hi');
alter table public.drop_box enable row level security;
create policy drop_box_insert on public.drop_box for insert to authenticated with check (owner_id = (select auth.uid()));

-- Owned by a role the API role inherits: RLS is bypassed like for the owner.
-- Roles are cluster-wide and runs share a server in tests: create it once.
do $$ begin create role ledger_owner nologin; exception when duplicate_object then null; end $$;
create table public.ledger (id serial primary key, amount int not null default 1);
alter table public.ledger owner to ledger_owner;
alter table public.ledger enable row level security;
grant ledger_owner to authenticated with inherit true;

-- Only a restrictive policy: nothing is permitted.
create table public.restricted (id serial primary key, v text not null default 'x');
alter table public.restricted enable row level security;
create policy restricted_only on public.restricted as restrictive for select to authenticated using (true);

-- Column privileges are checked before RLS.
create table public.profiles (
  id uuid primary key references auth.users (id),
  display_name text not null default 'someone',
  role text not null default 'member'
);
alter table public.profiles enable row level security;
create policy profiles_select on public.profiles for select to authenticated using (id = (select auth.uid()));
create policy profiles_update on public.profiles for update to authenticated using (id = (select auth.uid())) with check (id = (select auth.uid()));
revoke update on public.profiles from authenticated;
grant update (display_name) on public.profiles to authenticated;

-- An UPDATE policy without a SELECT policy: PostgREST filters by key, so the rows are invisible.
create table public.blind (id serial primary key, v text not null default 'x');
alter table public.blind enable row level security;
create policy blind_update on public.blind for update to authenticated using (true) with check (true);

-- A policy that never finishes in time: statement timeout → error.
create schema slow;
grant usage on schema slow to authenticated;
create table slow.waits (id serial primary key);
grant select on slow.waits to authenticated;
alter table slow.waits enable row level security;
create policy waits_select on slow.waits for select to authenticated using (pg_sleep(5) is not null);
