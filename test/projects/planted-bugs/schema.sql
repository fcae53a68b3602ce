-- A small team notes app with two planted bugs the matrix must catch.
create table public.teams (id uuid primary key default gen_random_uuid(), name text not null);
create table public.members (
  team_id uuid not null references public.teams (id),
  user_id uuid not null references auth.users (id),
  primary key (team_id, user_id)
);
create table public.documents (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references public.teams (id),
  author_id uuid not null references auth.users (id),
  title text not null
);
create table public.audit_log (id bigint generated always as identity primary key, message text not null);

create function public.is_member(_team uuid) returns boolean language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.members m where m.team_id = _team and m.user_id = (select auth.uid())) $$;

alter table public.teams enable row level security;
alter table public.members enable row level security;
alter table public.documents enable row level security;
-- BUG 1: audit_log never gets RLS enabled (and legacy grants give anon everything).

create policy teams_read on public.teams for select to authenticated using (public.is_member(id));
create policy members_read on public.members for select to authenticated using (public.is_member(team_id));
create policy documents_read on public.documents for select to authenticated using (public.is_member(team_id));
create policy documents_insert on public.documents for insert to authenticated
  with check (public.is_member(team_id) and author_id = (select auth.uid()));
-- BUG 2: USING is right, but WITH CHECK is too wide: an author can hand a document over to anyone.
create policy documents_update on public.documents for update to authenticated
  using (author_id = (select auth.uid())) with check (true);
