-- Teams whose documents only members read. Membership reaches the policies through a cache kept
-- by a trigger (as claims caches are): private.team_cache is written when a membership is inserted,
-- and the SECURITY DEFINER helper public.in_team reads only the cache.
create schema private;
create table public.teams (id uuid primary key, name text not null);
create table public.memberships (team_id uuid not null references public.teams, user_id uuid not null, primary key (team_id, user_id));
create table private.team_cache (user_id uuid not null, team_id uuid not null, primary key (user_id, team_id));

create function private.sync_team_cache() returns trigger
  language plpgsql security definer set search_path = ''
  as $$ begin insert into private.team_cache values (new.user_id, new.team_id) on conflict do nothing; return null; end $$;
create trigger sync_team_cache after insert on public.memberships for each row execute function private.sync_team_cache();

create function public.in_team(_team uuid) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from private.team_cache where user_id = auth.uid() and team_id = _team) $$;
-- A SECURITY INVOKER helper: archived documents are hidden from everyone but service_role.
create function public.is_open(_archived boolean) returns boolean
  language sql immutable
  as $$ select not _archived $$;

create table public.docs (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams,
  body text not null default '',
  archived boolean not null default false
);
alter table public.docs enable row level security;
create policy docs_read on public.docs for select to authenticated using (public.in_team(team_id));
create policy docs_open on public.docs as restrictive for select to authenticated using (public.is_open(archived));
create policy docs_edit on public.docs for update to authenticated using (public.in_team(team_id)) with check (public.in_team(team_id) and body <> '');

grant usage on schema public to anon, authenticated;
grant select, update on public.docs to authenticated;
