-- Every persona inserts the same row (id 1000): a cell that ran inside another's savepoint, after
-- an explanation's trial insert of that row, would fail with 23505 instead of being allowed.
create table public.slots (id int primary key, label text not null);
alter table public.slots enable row level security;
grant select, insert on public.slots to authenticated;
create policy "anyone reads" on public.slots for select to authenticated using (true);
create policy "anyone writes" on public.slots for insert to authenticated with check (true);
