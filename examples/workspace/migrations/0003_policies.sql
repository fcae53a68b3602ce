-- Workspace example — Row-Level Security, column privileges and the member directory view.
--
-- Every policy is TO authenticated: anon has no policy anywhere and sees nothing. service_role
-- bypasses RLS, as in Supabase (the backend: onboarding, billing webhooks, support tooling).
-- Shorthands used in the comments: "managers" = owners and admins of the row's organisation.

alter table public.organisations      enable row level security;
alter table public.memberships        enable row level security;
alter table public.profiles           enable row level security;
alter table public.spaces             enable row level security;
alter table public.space_credentials  enable row level security;
alter table public.module_permissions enable row level security;
alter table public.module_requests    enable row level security;
alter table public.invitations        enable row level security;

-- ---------------------------------------------------------------------------------------------
-- organisations: members read theirs; only the owner renames it. Created and deleted by the
-- backend (signup / offboarding), so there is no INSERT or DELETE policy.
create policy "members read their organisations"
  on public.organisations for select to authenticated
  using (public.is_org_member(id));

create policy "owners update their organisation"
  on public.organisations for update to authenticated
  using (public.has_org_role(id, array['owner']))
  with check (public.has_org_role(id, array['owner']));

-- ---------------------------------------------------------------------------------------------
-- memberships: the whole organisation sees who is in it. Owners manage every membership; admins
-- manage plain members only (they cannot add, promote to, or remove admins and owners); anyone but
-- an owner may leave (delete their own membership). An owner cannot remove themselves.
create policy "members read the memberships of their organisations"
  on public.memberships for select to authenticated
  using (public.is_org_member(org_id));

create policy "managers add memberships"
  on public.memberships for insert to authenticated
  with check (
    public.has_org_role(org_id, array['owner'])
    or (public.has_org_role(org_id, array['admin']) and role = 'member')
  );

create policy "managers change memberships"
  on public.memberships for update to authenticated
  using (
    public.has_org_role(org_id, array['owner'])
    or (public.has_org_role(org_id, array['admin']) and role = 'member')
  )
  with check (
    public.has_org_role(org_id, array['owner'])
    or (public.has_org_role(org_id, array['admin']) and role = 'member')
  );

create policy "managers remove memberships, members leave"
  on public.memberships for delete to authenticated
  using (
    (public.has_org_role(org_id, array['owner']) and user_id <> (select auth.uid()))
    or (public.has_org_role(org_id, array['admin']) and role = 'member')
    or (user_id = (select auth.uid()) and role <> 'owner')
  );

-- ---------------------------------------------------------------------------------------------
-- profiles: a user reads their own profile and those of people who share an organisation with
-- them, and edits their own — but only display_name. The column privileges below do that part:
-- a policy cannot tell which columns an UPDATE touches, a column GRANT can. Profiles are created
-- and deleted by the backend, so API roles get no INSERT or DELETE at all.
create policy "users read their own and their colleagues' profiles"
  on public.profiles for select to authenticated
  using (
    id = (select auth.uid())
    or id in (select m.user_id from public.memberships m where public.is_org_member(m.org_id))
  );

create policy "users update their own profile"
  on public.profiles for update to authenticated
  using (id = (select auth.uid()))
  with check (id = (select auth.uid()));

revoke insert, update, delete on public.profiles from anon, authenticated;
grant update (display_name) on public.profiles to authenticated;

-- ---------------------------------------------------------------------------------------------
-- spaces: every member reads the organisation's spaces; managers create, edit and delete them.
create policy "members read spaces"
  on public.spaces for select to authenticated
  using (public.is_org_member(org_id));

create policy "managers create spaces"
  on public.spaces for insert to authenticated
  with check (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers update spaces"
  on public.spaces for update to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']))
  with check (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers delete spaces"
  on public.spaces for delete to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

-- ---------------------------------------------------------------------------------------------
-- space_credentials: managers only, for every operation. Plain members have no policy here, so
-- they cannot even learn that a key exists (public.org_stats gives them the count).
create policy "managers read credentials"
  on public.space_credentials for select to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers create credentials"
  on public.space_credentials for insert to authenticated
  with check (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers rotate credentials"
  on public.space_credentials for update to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']))
  with check (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers delete credentials"
  on public.space_credentials for delete to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

-- ---------------------------------------------------------------------------------------------
-- module_permissions: a member sees their own grants (the app hides the modules they lack);
-- managers see, grant and revoke everyone's in their organisation. No UPDATE: revoke and grant.
create policy "members read their module permissions, managers all"
  on public.module_permissions for select to authenticated
  using (
    user_id = (select auth.uid())
    or public.has_org_role(org_id, array['owner', 'admin'])
  );

create policy "managers grant modules"
  on public.module_permissions for insert to authenticated
  with check (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers revoke modules"
  on public.module_permissions for delete to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

-- ---------------------------------------------------------------------------------------------
-- module_requests: any member files a request, as themselves, in their organisation; managers read
-- and dismiss them. Write-only for the requester: no SELECT for them, hence no .insert().select().
create policy "members file module requests"
  on public.module_requests for insert to authenticated
  with check (user_id = (select auth.uid()) and public.is_org_member(org_id));

create policy "managers read module requests"
  on public.module_requests for select to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers dismiss module requests"
  on public.module_requests for delete to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

-- ---------------------------------------------------------------------------------------------
-- invitations: managers list and revoke them. No INSERT policy: public.invite_member() is the way.
create policy "managers read invitations"
  on public.invitations for select to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

create policy "managers revoke invitations"
  on public.invitations for delete to authenticated
  using (public.has_org_role(org_id, array['owner', 'admin']));

-- ---------------------------------------------------------------------------------------------
-- member_directory: who is in my organisations, with names. security_invoker = true makes the view
-- run with the caller's privileges, so the memberships and profiles policies above apply through
-- it. Without it the view would run as its owner (postgres) and show every organisation's members.
create view public.member_directory
  with (security_invoker = true)
as
  select m.org_id, m.user_id, m.role, p.display_name
  from public.memberships m
  join public.profiles p on p.id = m.user_id;

-- ---------------------------------------------------------------------------------------------
-- Defence in depth: the app has no signed-out features, so anon loses Supabase's default grants on
-- every table and view here. RLS would already hide everything from anon (no policy is TO anon);
-- without the grants, a future policy written TO public cannot expose anything to visitors either.
revoke all on all tables in schema public from anon;
