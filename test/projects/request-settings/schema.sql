-- db-pre-request that reports every per-request setting it sees, by refusing the request with them
-- as its message: the same cell through the SQL executor and through PostgREST must report the same.
create function public.report_request() returns void language plpgsql as $$
begin
  raise exception '%', json_build_object(
    'role', current_user,
    'search_path', current_setting('search_path'),
    'method', current_setting('request.method', true),
    'path', current_setting('request.path', true),
    'headers', current_setting('request.headers', true)::jsonb - 'host' - 'content-length',
    'cookies', current_setting('request.cookies', true),
    'claims', current_setting('request.jwt.claims', true)::jsonb - 'iat' - 'exp',
    'read_only', current_setting('transaction_read_only')
  )::text using errcode = 'P0001';
end $$;

create table public.items (id int primary key, label text not null);
alter table public.items enable row level security;
create policy items_all on public.items using (true) with check (true);
create schema crm;
grant usage on schema crm to anon, authenticated, service_role;
create table crm.contacts (id int primary key, name text not null);
grant all on crm.contacts to anon, authenticated, service_role;
create function public.stable_fn(n int) returns int language sql stable as 'select n';
create function public.volatile_fn(n int) returns int language sql volatile as 'select n';
create function crm.in_crm() returns int language sql stable as 'select 1';
grant execute on function crm.in_crm() to anon, authenticated, service_role;
