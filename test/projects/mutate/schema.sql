-- Notes, each owned by one user; only members (a table the API cannot read) may write new ones.
create table public.members (user_id uuid primary key);
alter table public.members enable row level security; -- no policy: only the helper below reads it

create function public.is_member() returns boolean
  language sql stable security definer set search_path = ''
  as $$ select exists (select 1 from public.members where user_id = auth.uid()) $$;

create table public.notes (
  id uuid primary key default gen_random_uuid(),
  owner uuid not null,
  body text not null default ''
);
alter table public.notes enable row level security;
create policy notes_read on public.notes for select using (owner = auth.uid());
create policy notes_write on public.notes for insert with check (owner = auth.uid() and public.is_member());
create policy notes_edit on public.notes for update using (owner = auth.uid()) with check (owner = auth.uid());
create policy notes_remove on public.notes for delete using (owner = auth.uid());

-- Explicit grants: anon may only read notes (and RLS shows it none); members is reachable by nobody.
grant usage on schema public to anon, authenticated;
grant select on public.notes to anon;
grant select, insert, update, delete on public.notes to authenticated;
