-- Notes with one planted leak ("team a reads all") and a restrictive policy, to explain cells by.
create table public.notes (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid(),
  team text not null default 'a',
  body text not null default '',
  archived boolean not null default false
);
alter table public.notes enable row level security;
create policy "own notes" on public.notes for select to authenticated using (owner_id = auth.uid());
create policy "team a reads all" on public.notes for select to authenticated using (team = 'a');
create policy "not archived" on public.notes as restrictive for select to authenticated using (not archived);
create policy "write own" on public.notes for insert to authenticated with check (owner_id = auth.uid());
create policy "update own" on public.notes for update to authenticated using (owner_id = auth.uid()) with check (owner_id = auth.uid());

-- Readable by signed-in users only: anon lacks the grant.
create table public.secrets (id int primary key, v text not null);
alter table public.secrets enable row level security;
create policy "signed in" on public.secrets for select to authenticated using (true);
revoke all on public.secrets from anon;
