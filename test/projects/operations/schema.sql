-- Operations beyond plain CRUD: rpc, storage objects, views, upsert, returning.
create table public.accounts (
  id uuid primary key default gen_random_uuid(),
  owner_id uuid not null references auth.users (id),
  balance int not null default 0
);
alter table public.accounts enable row level security;
create policy accounts_read on public.accounts for select to authenticated using (owner_id = (select auth.uid()));
create policy accounts_insert on public.accounts for insert to authenticated with check (owner_id = (select auth.uid()));
create policy accounts_update on public.accounts for update to authenticated using (owner_id = (select auth.uid()));

-- The classic hole: SECURITY DEFINER bypasses RLS, so anyone who may execute it reads every balance.
create function public.total_balance() returns bigint language sql security definer set search_path = ''
  as $$ select sum(balance) from public.accounts $$;
-- The fix: check the caller inside.
create function public.my_accounts(_min int default 0) returns setof public.accounts language sql security invoker stable
  as $$ select * from public.accounts where balance >= _min $$;
create function public.guarded_total() returns bigint language plpgsql security definer set search_path = '' as $$
begin
  if (select auth.jwt() -> 'app_metadata' ->> 'role') is distinct from 'admin' then
    raise exception 'admins only' using errcode = 'P0001';
  end if;
  return (select sum(balance) from public.accounts);
end $$;
revoke execute on function public.guarded_total() from public, anon;

-- A view without security_invoker runs as its owner: RLS of accounts does not apply through it.
create view public.account_overview as select id, owner_id, balance from public.accounts;
create view public.account_overview_safe with (security_invoker = true) as select id, owner_id, balance from public.accounts;

-- Per-user folders in a bucket.
create policy avatars_read on storage.objects for select to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy avatars_write on storage.objects for insert to authenticated
  with check (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy avatars_update on storage.objects for update to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
create policy avatars_delete on storage.objects for delete to authenticated
  using (bucket_id = 'avatars' and (storage.foldername(name))[1] = (select auth.uid())::text);
