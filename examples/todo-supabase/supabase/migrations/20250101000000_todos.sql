-- A small todo app: each user keeps lists of todos; tags are shared and read by everyone.
create table public.lists (
  id bigint generated always as identity primary key,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null
);

create table public.todos (
  id bigint generated always as identity primary key,
  list_id bigint not null references public.lists (id) on delete cascade,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null,
  done boolean not null default false
);

create table public.tags (
  id bigint generated always as identity primary key,
  name text not null unique
);

alter table public.lists enable row level security;
alter table public.todos enable row level security;
alter table public.tags enable row level security;

create policy "owners manage their lists" on public.lists
  for all to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));

create policy "users read their todos" on public.todos
  for select to authenticated using ((select auth.uid()) = user_id);
create policy "users add todos" on public.todos
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "users change their todos" on public.todos
  for update to authenticated using (user_id = (select auth.uid()));
create policy "users delete their todos" on public.todos
  for delete to authenticated using (user_id = (select auth.uid()));

create policy "everyone reads tags" on public.tags
  for select to anon, authenticated using (true);
