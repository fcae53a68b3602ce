-- The request shapes where a model of PostgREST parts from the real server (each a wrong verdict
-- before the SQL executor took PostgREST 12's request shape).

-- 1. A column the role may UPDATE but not SELECT: a PATCH body sets it without reading it.
create table public.notes (id int primary key, body text not null, owner_id uuid);
alter table public.notes enable row level security;
revoke all on public.notes from anon, authenticated;
grant select (id, owner_id) on public.notes to authenticated;
grant update (body) on public.notes to authenticated;
create policy notes_read on public.notes for select to authenticated using (true);
create policy notes_write on public.notes for update to authenticated using (true) with check (true);

-- 2. A SELECT policy calling a VOLATILE function that writes: GET runs read-only.
create table public.audit (id bigint generated always as identity primary key, at timestamptz not null default now());
create function public.log_read() returns boolean language plpgsql volatile security definer set search_path = ''
as $$ begin insert into public.audit default values; return true; end $$;
create table public.docs (id int primary key, title text not null);
alter table public.docs enable row level security;
create policy docs_read on public.docs for select using (public.log_read());

-- 3. Policies reading request headers: the apikey supabase-js sends, and a header of the persona's app.
create table public.keyed (id int primary key, label text not null);
alter table public.keyed enable row level security;
create policy keyed_read on public.keyed for select using (current_setting('request.headers', true)::json ->> 'apikey' is not null);
create table public.tenant_rows (id int primary key, tenant text not null);
alter table public.tenant_rows enable row level security;
create policy tenant_read on public.tenant_rows for select using (tenant = current_setting('request.headers', true)::json ->> 'x-tenant');

-- 4. rpc of a STABLE function that reaches a writer: called read-only.
create function public.bump() returns int language plpgsql volatile security definer set search_path = ''
as $$ begin insert into public.audit default values; return 1; end $$;
create function public.stable_touch() returns int language sql stable as 'select public.bump()';
create function public.volatile_touch() returns int language sql volatile as 'select public.bump()';

-- request.method and request.path as PostgREST sets them.
create table public.methods (id int primary key, note text not null);
alter table public.methods enable row level security;
-- (A DELETE filtered by key reads the rows too, so the SELECT policy must let DELETE see them.)
create policy methods_read on public.methods for select using (current_setting('request.method', true) in ('GET', 'DELETE') and current_setting('request.path', true) = '/methods');
create policy methods_delete on public.methods for delete using (current_setting('request.method', true) = 'DELETE');

-- db-pre-request: refuses blocked clients, and hands the tenant header to policies as a setting.
create function public.check_request() returns void language plpgsql as $$
begin
  if current_setting('request.headers', true)::json ->> 'x-blocked' = 'yes' then
    raise exception 'blocked client' using errcode = 'P0001';
  end if;
  perform set_config('app.tenant', coalesce(current_setting('request.headers', true)::json ->> 'x-tenant', ''), true);
end $$;
create table public.by_setting (id int primary key, tenant text not null);
alter table public.by_setting enable row level security;
create policy by_setting_read on public.by_setting for select using (tenant = current_setting('app.tenant', true));
