-- Teams and their members live in a private schema (reached through rpc in a real app); projects
-- belong to a team. Who may do what is decided by one SECURITY DEFINER membership helper.
create schema app;
grant usage on schema app to authenticated, anon, service_role;

create table app.teams (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  slug text,
  personal boolean not null default false,
  constraint team_slug check ((personal and slug is null) or (not personal and slug is not null))
);

create table app.team_members (
  team_id uuid not null references app.teams (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  primary key (team_id, user_id)
);

create table public.projects (
  id uuid primary key default gen_random_uuid(),
  team_id uuid not null references app.teams (id) on delete cascade,
  title text not null
);

create function app.is_member(team uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (select 1 from app.team_members m where m.team_id = team and m.user_id = auth.uid())
$$;

alter table app.teams enable row level security;
alter table app.team_members enable row level security;
alter table public.projects enable row level security;

grant select, insert, update, delete on app.teams, app.team_members to authenticated, service_role;

create policy "members read their teams" on app.teams for select to authenticated using (app.is_member(id));
create policy "anyone signed in creates a team" on app.teams for insert to authenticated with check (true);
create policy "members rename their teams" on app.teams for update to authenticated using (app.is_member(id));
create policy "members see their own membership" on app.team_members for select to authenticated using (user_id = auth.uid());

create policy "members read projects" on public.projects for select to authenticated using (app.is_member(team_id));
create policy "members add projects" on public.projects for insert to authenticated with check (app.is_member(team_id));
create policy "members edit projects" on public.projects for update to authenticated using (app.is_member(team_id)) with check (app.is_member(team_id));
create policy "members delete projects" on public.projects for delete to authenticated using (app.is_member(team_id));
