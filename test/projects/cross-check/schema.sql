-- A policy that reads the Host header: the SQL executor leaves Host out of request.headers (it names
-- the server's address, which no policy should depend on), the real PostgREST has it. The
-- cross-check must catch that difference as a fidelity mismatch.
create table public.hosted (id int primary key, label text not null);
alter table public.hosted enable row level security;
create policy hosted_read on public.hosted for select using (current_setting('request.headers', true)::json ->> 'host' is not null);

-- Agreeing cells, and cells the API cannot take: no primary key (ctid), a schema not exposed, storage.
create table public.plain (id int primary key, owner_id uuid not null);
alter table public.plain enable row level security;
create policy plain_own on public.plain for all using (owner_id = auth.uid()) with check (owner_id = auth.uid());
-- A composite primary key whose text values need quoting in PostgREST's filter syntax.
create table public.pairs (tenant text not null, code text not null, owner_id uuid not null, note text, primary key (tenant, code));
alter table public.pairs enable row level security;
create policy pairs_own on public.pairs for all using (owner_id = auth.uid()) with check (owner_id = auth.uid());
-- A join table: every column is part of the key. An update without set: sets a column the scope's
-- rows share (team_one: team_id; mine: user_id); rows differing in both cannot take one value.
create table public.members (team_id int not null, user_id uuid not null, primary key (team_id, user_id));
alter table public.members enable row level security;
create policy members_all on public.members for all to authenticated using (true) with check (true);
create table public.keyless (label text not null);
alter table public.keyless enable row level security;
create policy keyless_read on public.keyless for select using (true);
create schema private;
grant usage on schema private to authenticated;
create table private.ledger (id int primary key, amount int not null);
grant select on private.ledger to authenticated;
insert into storage.buckets (id, name) values ('files', 'files');
create policy files_read on storage.objects for select using (bucket_id = 'files' and owner = auth.uid());
