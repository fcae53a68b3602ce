-- LMS example — helpers and Row-Level Security.
--
-- Policies ask "who is this user in this school?" through SECURITY DEFINER helpers. The helpers
-- read user_roles / enrollments / courses as their owner, so a policy on one table never triggers
-- the policies of the table it asks about: no 42P17 infinite recursion (courses asks about
-- enrollments, enrollments asks about courses), and no per-row policy stack. Each helper pins
-- search_path to '' and qualifies every name, so a caller cannot shadow public.user_roles or
-- auth.uid() with objects of their own.
--
-- Every policy is TO authenticated: anon has no policy anywhere and sees nothing. service_role
-- bypasses RLS, as in Supabase.

-- ---------------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------------

-- True when the calling user holds any role in the school.
create or replace function public.is_member_of(_school uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.user_roles ur
    where ur.school_id = _school
      and ur.user_id = (select auth.uid())
  );
$$;

-- True when the calling user holds one of _roles in the school.
create or replace function public.has_role(_school uuid, _roles text[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.user_roles ur
    where ur.school_id = _school
      and ur.user_id = (select auth.uid())
      and ur.role = any (_roles)
  );
$$;

-- True when the calling user is enrolled in the course.
create or replace function public.is_enrolled(_course uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.enrollments e
    where e.course_id = _course
      and e.student_id = (select auth.uid())
  );
$$;

-- True when the calling user owns (teaches) the course.
create or replace function public.teaches_course(_course uuid)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1
    from public.courses c
    where c.id = _course
      and c.owner_id = (select auth.uid())
  );
$$;

-- Functions are executable by PUBLIC by default (and Supabase grants anon too): these are only
-- meaningful for signed-in users, so anon may not probe them through /rpc.
revoke execute on function public.is_member_of(uuid)        from public, anon;
revoke execute on function public.has_role(uuid, text[])    from public, anon;
revoke execute on function public.is_enrolled(uuid)         from public, anon;
revoke execute on function public.teaches_course(uuid)      from public, anon;
grant  execute on function public.is_member_of(uuid)        to authenticated, service_role;
grant  execute on function public.has_role(uuid, text[])    to authenticated, service_role;
grant  execute on function public.is_enrolled(uuid)         to authenticated, service_role;
grant  execute on function public.teaches_course(uuid)      to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- RLS on every table
-- ---------------------------------------------------------------------------------------------

alter table public.schools        enable row level security;
alter table public.user_roles     enable row level security;
alter table public.courses        enable row level security;
alter table public.enrollments    enable row level security;
alter table public.clientes       enable row level security;
alter table public.contratos      enable row level security;
alter table public.cuotas         enable row level security;
alter table public.activity_feed  enable row level security;

-- schools: members read their school; its admins rename it. Schools are created and deleted by
-- the backend (service_role) during onboarding / offboarding.
create policy "members read their school"
  on public.schools for select to authenticated
  using (public.is_member_of(id));

create policy "admins update their school"
  on public.schools for update to authenticated
  using (public.has_role(id, array['admin']))
  with check (public.has_role(id, array['admin']));

-- user_roles: the member directory is visible to the whole school; only school admins grant,
-- change or revoke roles (WITH CHECK keeps them from granting roles in another school).
create policy "members read the roles of their school"
  on public.user_roles for select to authenticated
  using (public.is_member_of(school_id));

create policy "admins grant roles in their school"
  on public.user_roles for insert to authenticated
  with check (public.has_role(school_id, array['admin']));

create policy "admins change roles in their school"
  on public.user_roles for update to authenticated
  using (public.has_role(school_id, array['admin']))
  with check (public.has_role(school_id, array['admin']));

create policy "admins revoke roles in their school"
  on public.user_roles for delete to authenticated
  using (public.has_role(school_id, array['admin']));

-- courses: readable by their owner, by enrolled students, and by the school's admins.
-- Teachers create courses in schools where they teach, owned by themselves; only the owner
-- edits or deletes a course.
create policy "owners, enrolled students and admins read courses"
  on public.courses for select to authenticated
  using (
    owner_id = (select auth.uid())
    or public.is_enrolled(id)
    or public.has_role(school_id, array['admin'])
  );

create policy "teachers create their own courses"
  on public.courses for insert to authenticated
  with check (
    owner_id = (select auth.uid())
    and public.has_role(school_id, array['teacher'])
  );

create policy "owners update their courses"
  on public.courses for update to authenticated
  using (owner_id = (select auth.uid()))
  with check (
    owner_id = (select auth.uid())
    and public.has_role(school_id, array['teacher'])
  );

create policy "owners delete their courses"
  on public.courses for delete to authenticated
  using (owner_id = (select auth.uid()));

-- enrollments: a student reads their own, a teacher reads those of the courses they teach,
-- admins read and manage all of their school's. Students do not enroll themselves.
create policy "students, teachers and admins read enrollments"
  on public.enrollments for select to authenticated
  using (
    student_id = (select auth.uid())
    or public.teaches_course(course_id)
    or public.has_role(school_id, array['admin'])
  );

create policy "admins enroll students"
  on public.enrollments for insert to authenticated
  with check (public.has_role(school_id, array['admin']));

create policy "admins update enrollments"
  on public.enrollments for update to authenticated
  using (public.has_role(school_id, array['admin']))
  with check (public.has_role(school_id, array['admin']));

create policy "admins delete enrollments"
  on public.enrollments for delete to authenticated
  using (public.has_role(school_id, array['admin']));

-- Finance: admins and consultores of the school read; only admins write.
create policy "admins and consultores read clientes"
  on public.clientes for select to authenticated
  using (public.has_role(school_id, array['admin', 'consultor']));
create policy "admins insert clientes"
  on public.clientes for insert to authenticated
  with check (public.has_role(school_id, array['admin']));
create policy "admins update clientes"
  on public.clientes for update to authenticated
  using (public.has_role(school_id, array['admin']))
  with check (public.has_role(school_id, array['admin']));
create policy "admins delete clientes"
  on public.clientes for delete to authenticated
  using (public.has_role(school_id, array['admin']));

create policy "admins and consultores read contratos"
  on public.contratos for select to authenticated
  using (public.has_role(school_id, array['admin', 'consultor']));
create policy "admins insert contratos"
  on public.contratos for insert to authenticated
  with check (public.has_role(school_id, array['admin']));
create policy "admins update contratos"
  on public.contratos for update to authenticated
  using (public.has_role(school_id, array['admin']))
  with check (public.has_role(school_id, array['admin']));
create policy "admins delete contratos"
  on public.contratos for delete to authenticated
  using (public.has_role(school_id, array['admin']));

create policy "admins and consultores read cuotas"
  on public.cuotas for select to authenticated
  using (public.has_role(school_id, array['admin', 'consultor']));
create policy "admins insert cuotas"
  on public.cuotas for insert to authenticated
  with check (public.has_role(school_id, array['admin']));
create policy "admins update cuotas"
  on public.cuotas for update to authenticated
  using (public.has_role(school_id, array['admin']))
  with check (public.has_role(school_id, array['admin']));
create policy "admins delete cuotas"
  on public.cuotas for delete to authenticated
  using (public.has_role(school_id, array['admin']));

-- activity_feed: append-only for users. Authors read and post their own entries (as themselves,
-- in a school they belong to); the school's admins read the whole school's feed. Nobody but the
-- backend edits or deletes entries.
create policy "authors and admins read the feed"
  on public.activity_feed for select to authenticated
  using (
    author_id = (select auth.uid())
    or public.has_role(school_id, array['admin'])
  );

create policy "members post as themselves"
  on public.activity_feed for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and public.is_member_of(school_id)
  );
