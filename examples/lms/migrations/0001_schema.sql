-- LMS example — schema.
--
-- A multi-tenant learning platform. The tenant is a school: every business row carries the
-- school_id it belongs to, and a user's powers inside a school come from public.user_roles
-- (admin, consultor, teacher, student — a user may hold several roles, in several schools).
-- Composite foreign keys (x_id, school_id) keep child rows in their parent's school, so a
-- policy that checks school_id on the child is checking the tenant of the whole chain.
--
-- Deletion model (what a real app does, and what the matrix relies on):
--   school deleted        -> everything of the school goes with it (ON DELETE CASCADE)
--   course deleted        -> its enrollments go (CASCADE), feed entries keep the text (SET NULL)
--   contrato deleted      -> its cuotas go (CASCADE): the payment plan is part of the contract
--   cliente with contratos -> cannot be deleted (NO ACTION): financial history is never lost

create table public.schools (
  id          uuid primary key default gen_random_uuid(),
  name        text not null,
  slug        text not null unique check (slug ~ '^[a-z0-9-]+$'),
  created_at  timestamptz not null default now()
);

create table public.user_roles (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references public.schools (id) on delete cascade,
  user_id     uuid not null references auth.users (id) on delete cascade,
  role        text not null check (role in ('admin', 'consultor', 'teacher', 'student')),
  created_at  timestamptz not null default now(),
  unique (school_id, user_id, role)
);
create index user_roles_user_id_idx on public.user_roles (user_id, school_id);

create table public.courses (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references public.schools (id) on delete cascade,
  owner_id     uuid not null references auth.users (id),
  title        text not null,
  description  text,
  published    boolean not null default false,
  created_at   timestamptz not null default now(),
  unique (id, school_id)
);
create index courses_school_id_idx on public.courses (school_id);
create index courses_owner_id_idx on public.courses (owner_id);

create table public.enrollments (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references public.schools (id) on delete cascade,
  course_id    uuid not null,
  student_id   uuid not null references auth.users (id) on delete cascade,
  status       text not null default 'active' check (status in ('active', 'completed', 'dropped')),
  enrolled_at  timestamptz not null default now(),
  unique (course_id, student_id),
  foreign key (course_id, school_id) references public.courses (id, school_id) on delete cascade
);
create index enrollments_student_id_idx on public.enrollments (student_id);
create index enrollments_school_id_idx on public.enrollments (school_id);

-- Finance (Spanish names, as the back office that uses them): clients, their contracts, and the
-- installments (cuotas) of each contract. Only admins and consultores of the school may see them.

create table public.clientes (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references public.schools (id) on delete cascade,
  nombre      text not null,
  email       text,
  documento   text,
  created_at  timestamptz not null default now(),
  unique (id, school_id)
);
create index clientes_school_id_idx on public.clientes (school_id);

create table public.contratos (
  id            uuid primary key default gen_random_uuid(),
  school_id     uuid not null references public.schools (id) on delete cascade,
  cliente_id    uuid not null,
  numero        text not null,
  monto_total   numeric(12, 2) not null check (monto_total >= 0),
  moneda        text not null default 'USD',
  fecha_inicio  date not null,
  estado        text not null default 'vigente' check (estado in ('borrador', 'vigente', 'finalizado', 'anulado')),
  created_at    timestamptz not null default now(),
  unique (school_id, numero),
  unique (id, school_id),
  -- NO ACTION on purpose: a client with contracts cannot be deleted, not even by the backend.
  foreign key (cliente_id, school_id) references public.clientes (id, school_id)
);
create index contratos_cliente_id_idx on public.contratos (cliente_id);

create table public.cuotas (
  id           uuid primary key default gen_random_uuid(),
  school_id    uuid not null references public.schools (id) on delete cascade,
  contrato_id  uuid not null,
  numero       integer not null check (numero > 0),
  monto        numeric(12, 2) not null check (monto >= 0),
  vencimiento  date not null,
  pagada_en    timestamptz,
  unique (contrato_id, numero),
  foreign key (contrato_id, school_id) references public.contratos (id, school_id) on delete cascade
);
create index cuotas_school_id_idx on public.cuotas (school_id);

create table public.activity_feed (
  id          uuid primary key default gen_random_uuid(),
  school_id   uuid not null references public.schools (id) on delete cascade,
  author_id   uuid not null default auth.uid() references auth.users (id) on delete cascade,
  course_id   uuid references public.courses (id) on delete set null,
  verb        text not null check (verb in ('posted', 'enrolled', 'completed', 'commented')),
  payload     jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null default now()
);
create index activity_feed_school_id_idx on public.activity_feed (school_id, created_at desc);
create index activity_feed_author_id_idx on public.activity_feed (author_id);
