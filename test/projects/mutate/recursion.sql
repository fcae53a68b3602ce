-- A membership helper that must run as its owner: as the caller, reading team_members applies the
-- policy that calls it again, and the query recurses until PostgreSQL stops it.
create table public.team_members (team_id int not null, user_id uuid not null, primary key (team_id, user_id));
alter table public.team_members enable row level security;
create function public.in_team(_team int) returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.team_members where team_id = _team and user_id = auth.uid()) $$;
create policy team_read on public.team_members for select using (public.in_team(team_id));
