-- Workspace example — schema.
--
-- A team workspace app (think Linear / Notion / Vercel teams) on Supabase.
--
-- Tenancy model
-- -------------
-- The tenant is an ORGANISATION. Every business row carries the org_id it belongs to, and what a
-- user may do inside an organisation comes only from public.memberships, one row per (org, user)
-- with a role:
--
--   owner   everything in the organisation, including managing admins and renaming it
--   admin   manages spaces, credentials, module permissions, invitations and plain members
--   member  works in the organisation's spaces: reads them, uses the modules granted to them
--
-- Nothing about roles lives in the JWT (app_metadata stays empty): the token only says who the
-- user is, and policies ask the database through SECURITY DEFINER helpers (0002_functions.sql).
-- Composite foreign keys ((x_id, org_id) -> parent (id, org_id)) keep a child row in its parent's
-- organisation, so a policy that checks the child's org_id checks the tenant of the whole chain.
--
-- Deletion model: an organisation takes everything it owns with it (CASCADE); a membership takes
-- that person's module permissions and requests; a space takes its credentials. A profile
-- survives its home organisation (org_id becomes null).

create table public.organisations (
  id          uuid primary key default gen_random_uuid(),
  name        text not null,
  slug        text not null unique check (slug ~ '^[a-z0-9-]+$'),
  created_at  timestamptz not null default now()
);

create table public.memberships (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null references public.organisations (id) on delete cascade,
  user_id     uuid not null references auth.users (id) on delete cascade,
  role        text not null default 'member' check (role in ('owner', 'admin', 'member')),
  created_at  timestamptz not null default now(),
  unique (org_id, user_id)
);
create index memberships_user_id_idx on public.memberships (user_id, org_id);

-- One profile per user. display_name is the user's to edit; org_id (home organisation) and role
-- (platform role: 'staff' unlocks the vendor's support console) are set by the backend only —
-- enforced with column privileges in 0003_policies.sql, not with a policy.
create table public.profiles (
  id            uuid primary key references auth.users (id) on delete cascade,
  display_name  text not null,
  org_id        uuid references public.organisations (id) on delete set null,
  role          text not null default 'user' check (role in ('user', 'staff')),
  created_at    timestamptz not null default now()
);

create table public.spaces (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null references public.organisations (id) on delete cascade,
  name        text not null,
  description text,
  created_by  uuid default auth.uid() references auth.users (id) on delete set null,
  created_at  timestamptz not null default now(),
  unique (id, org_id)
);
create index spaces_org_id_idx on public.spaces (org_id);

-- Per-space API keys for third-party services. Kept in their own table (not columns of spaces) so
-- that "members read spaces" can never leak a key: only owners and admins have a policy here.
create table public.space_credentials (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null,
  space_id    uuid not null,
  label       text not null,
  api_key     text not null default 'sk_' || encode(extensions.gen_random_bytes(24), 'hex'),
  created_at  timestamptz not null default now(),
  foreign key (space_id, org_id) references public.spaces (id, org_id) on delete cascade
);
create index space_credentials_org_id_idx on public.space_credentials (org_id);

-- The product's modules; a member may use a module only when granted it in that organisation.
create type public.app_module as enum ('docs', 'chat', 'billing', 'analytics');

create table public.module_permissions (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null,
  user_id     uuid not null,
  module      public.app_module not null,
  granted_by  uuid default auth.uid() references auth.users (id) on delete set null,
  created_at  timestamptz not null default now(),
  unique (org_id, user_id, module),
  foreign key (org_id, user_id) references public.memberships (org_id, user_id) on delete cascade
);
create index module_permissions_user_id_idx on public.module_permissions (user_id);

-- A member asks for a module. The requests are the owners' and admins' inbox: the requester may
-- file one but not list them (so the app calls .insert() without .select()).
create table public.module_requests (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null,
  user_id     uuid not null default auth.uid(),
  module      public.app_module not null,
  note        text,
  created_at  timestamptz not null default now(),
  foreign key (org_id, user_id) references public.memberships (org_id, user_id) on delete cascade
);
create index module_requests_org_id_idx on public.module_requests (org_id);

-- Pending invitations. Created only through public.invite_member() (no INSERT policy), which
-- checks the caller's role; owners and admins list and revoke them.
create table public.invitations (
  id          uuid primary key default gen_random_uuid(),
  org_id      uuid not null references public.organisations (id) on delete cascade,
  email       text not null,
  role        text not null default 'member' check (role in ('admin', 'member')),
  invited_by  uuid references auth.users (id) on delete set null,
  created_at  timestamptz not null default now(),
  unique (org_id, email)
);
