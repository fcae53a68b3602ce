create table public.todos (id serial primary key, owner_id uuid not null default auth.uid(), title text not null);
alter table public.todos enable row level security;
create policy todos_owner on public.todos for all to authenticated using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
