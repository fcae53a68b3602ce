-- A policy whose helper recurses 400 levels deep (finite): more than the 256kB stack mutants' cells
-- get, less than PostgreSQL's default 2MB. Only service_role's reads evaluate it, and no persona
-- acts as service_role: the baseline never recurses, the mutant applying that policy to everyone does.
create function public.deep(n int) returns boolean
  language plpgsql stable
  as $$ begin if n <= 0 then return true; end if; return public.deep(n - 1); end $$;

create table public.items (id uuid primary key default gen_random_uuid(), owner uuid not null);
alter table public.items enable row level security;
create policy items_own on public.items for select to authenticated using (owner = auth.uid());
create policy items_service on public.items for select to service_role using (public.deep(400));

grant usage on schema public to authenticated;
grant select on public.items to authenticated;
