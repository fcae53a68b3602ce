-- Workspace example — helpers and rpc functions.
--
-- Policies ask "what is this user in this organisation?" through two SECURITY DEFINER helpers.
-- They read public.memberships as its owner, so a policy on memberships that asks about
-- memberships does not recurse (42P17), and every other table's policy costs one indexed lookup.
-- Each pins search_path to '' and qualifies every name, so a caller cannot shadow
-- public.memberships or auth.uid() with objects of their own.
--
-- Supabase's default privileges let anon and authenticated EXECUTE every function in public, so
-- each function below revokes EXECUTE from PUBLIC and anon explicitly: signed-out visitors cannot
-- probe memberships (or invite anyone) through /rest/v1/rpc.

-- True when the calling user holds one of _roles in the organisation.
create or replace function public.has_org_role(_org uuid, _roles text[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.memberships m
    where m.org_id = _org
      and m.user_id = (select auth.uid())
      and m.role = any (_roles)
  );
$$;

-- True when the calling user is a member of the organisation, whatever the role.
create or replace function public.is_org_member(_org uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select public.has_org_role(_org, array['owner', 'admin', 'member']);
$$;

-- rpc: invite someone by email. SECURITY DEFINER because invitations has no INSERT policy at all:
-- this function is the only way in, and it does its own authorisation — the caller must be an
-- owner or admin of _org (only owners may invite admins); anyone else gets P0001. The backend
-- (service_role) may invite on anyone's behalf.
create or replace function public.invite_member(_org uuid, _email text, _role text default 'member')
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  _backend boolean := (select auth.role()) = 'service_role';
  _id uuid;
begin
  if not _backend and not public.has_org_role(_org, array['owner', 'admin']) then
    raise exception 'only owners and admins of the organisation may invite'
      using errcode = 'P0001';
  end if;
  if _role = 'admin' and not _backend and not public.has_org_role(_org, array['owner']) then
    raise exception 'only owners may invite admins'
      using errcode = 'P0001';
  end if;
  insert into public.invitations (org_id, email, role, invited_by)
  values (_org, lower(_email), _role, (select auth.uid()))
  on conflict (org_id, email) do update set role = excluded.role, invited_by = excluded.invited_by
  returning id into _id;
  return _id;
end;
$$;

-- rpc: dashboard counters. SECURITY DEFINER so a member's dashboard can show how many credentials
-- exist without being able to read them — and safe because it returns nothing at all (zero rows)
-- unless the caller is a member of _org, and only counts, never a row's content.
create or replace function public.org_stats(_org uuid)
returns table (members bigint, spaces bigint, credentials bigint)
language sql
stable
security definer
set search_path = ''
as $$
  select
    (select count(*) from public.memberships m where m.org_id = _org),
    (select count(*) from public.spaces s where s.org_id = _org),
    (select count(*) from public.space_credentials c where c.org_id = _org)
  where (select auth.role()) = 'service_role'
     or public.is_org_member(_org);
$$;

revoke execute on function public.has_org_role(uuid, text[])       from public, anon;
revoke execute on function public.is_org_member(uuid)              from public, anon;
revoke execute on function public.invite_member(uuid, text, text)  from public, anon;
revoke execute on function public.org_stats(uuid)                  from public, anon;
grant  execute on function public.has_org_role(uuid, text[])       to authenticated, service_role;
grant  execute on function public.is_org_member(uuid)              to authenticated, service_role;
grant  execute on function public.invite_member(uuid, text, text)  to authenticated, service_role;
grant  execute on function public.org_stats(uuid)                  to authenticated, service_role;
