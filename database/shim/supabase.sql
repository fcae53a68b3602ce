-- rls-matrix — Supabase shim (DESIGN.md §3 "Supabase fidelity").
--
-- Installs into plain PostgreSQL 14–18 the parts of a Supabase database that RLS policies and
-- application migrations depend on: the API roles, the auth / extensions / storage schemas,
-- auth.users (+ identities, sessions), auth.uid()/role()/email()/jwt(), storage.buckets /
-- storage.objects with the storage helper functions, pgcrypto and uuid-ossp in `extensions`.
--
-- Contract:
--   * Runs as ONE multi-statement simple query (node-postgres client.query(text)) by the superuser
--     `postgres`; no psql meta-commands; the server wraps it in one implicit transaction, so it is
--     all-or-nothing.
--   * Idempotent: a second run changes nothing and raises no error.
--   * Safe on a database that already has Supabase's own objects (supabase/postgres image, a real
--     project reached through the `url` provider): every object is created only when it does not
--     exist (roles by pg_roles, schemas by pg_namespace, tables/types by pg_class/pg_type,
--     functions by exact signature via to_regprocedure). An existing function is never replaced,
--     an existing role never altered. The only thing added to pre-existing objects is a missing
--     column of auth.users / storage.buckets / storage.objects (older images ship an older shape);
--     that step is skipped with a NOTICE when the installing role may not alter the table.
--   * The file ends with two grants sections, each introduced by a marker line; the harness runs
--     the common part (everything before the first marker) followed by exactly ONE of them.
--
-- Upstream sources (each definition below names the file it is copied from):
--   supabase/postgres  migrations/db/init-scripts/00000000000000-initial-schema.sql   roles, grants
--   supabase/postgres  migrations/db/init-scripts/00000000000001-auth-schema.sql      auth schema grants
--   supabase/postgres  migrations/db/init-scripts/00000000000002-storage-schema.sql   storage grants
--   supabase/postgres  migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--   supabase/auth      migrations/20220224000811_update_auth_functions.up.sql         uid/role/email
--   supabase/auth      migrations/20220531120530_add_auth_jwt_function.up.sql         jwt
--   supabase/auth      migrations/* (users, identities, sessions; shape as pg_dump'ed from live projects)
--   supabase/storage   migrations/tenant/0002-storage-schema.sql, 0002-pathtoken-column.sql,
--                      0010-add-trigger-to-auto-update-updated_at-column.sql, 0025-custom-metadata.sql,
--                      0036-optimise-existing-functions.sql, 0038-iceberg-catalog-flag-on-buckets.sql

------------------------------------------------------------------------------------------------
-- 1. Roles
--    supabase/postgres migrations/db/init-scripts/00000000000000-initial-schema.sql creates
--      anon NOLOGIN NOINHERIT, authenticated NOLOGIN NOINHERIT, service_role NOLOGIN NOINHERIT
--      BYPASSRLS, authenticator (a LOGIN user) NOINHERIT, granted anon/authenticated/service_role;
--    supabase/postgres migrations/db/migrations/20230529180330_alter_api_roles_for_inherit.sql
--      then runs ALTER ROLE anon/authenticated/service_role INHERIT. Current Supabase is therefore
--      INHERIT for the three API roles (it matters when a migration grants another role to them)
--      and NOINHERIT for authenticator. We create the current end state directly.
--    The service-owner roles below are created NOLOGIN and without any privilege, only so that
--    migrations dumped from a real project (GRANT ... TO supabase_auth_admin for auth hooks,
--    OWNER TO supabase_admin, GRANT ... TO dashboard_user) apply cleanly.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
    CREATE ROLE anon NOLOGIN INHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
    CREATE ROLE authenticated NOLOGIN INHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN INHERIT BYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticator') THEN
    CREATE ROLE authenticator LOGIN NOINHERIT;
    GRANT anon TO authenticator;
    GRANT authenticated TO authenticator;
    GRANT service_role TO authenticator;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'supabase_admin') THEN
    CREATE ROLE supabase_admin NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'supabase_auth_admin') THEN
    CREATE ROLE supabase_auth_admin NOLOGIN NOINHERIT;
    -- 00000000000001-auth-schema.sql: ALTER USER supabase_auth_admin SET search_path = "auth".
    -- Supabase Auth connects as this role, so its sign-ups (and the triggers they fire) see it.
    ALTER ROLE supabase_auth_admin SET search_path = auth;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'supabase_storage_admin') THEN
    CREATE ROLE supabase_storage_admin NOLOGIN NOINHERIT;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dashboard_user') THEN
    CREATE ROLE dashboard_user NOLOGIN;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 2. Schemas and their USAGE grants
--    extensions: USAGE to postgres, anon, authenticated, service_role (00000000000000-initial-schema.sql)
--    auth:       USAGE to anon, authenticated, service_role          (00000000000001-auth-schema.sql)
--    storage:    USAGE to postgres, anon, authenticated, service_role (00000000000002-storage-schema.sql)
--    Only the tables / functions granted further below are reachable; nothing in auth is granted
--    to the API roles (not even to service_role) — see §4.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'extensions') THEN
    CREATE SCHEMA extensions;
    GRANT USAGE ON SCHEMA extensions TO anon, authenticated, service_role;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
    GRANT ALL ON SCHEMA auth TO supabase_auth_admin;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'storage') THEN
    CREATE SCHEMA storage;
    GRANT USAGE ON SCHEMA storage TO anon, authenticated, service_role;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 3. Extensions, in schema `extensions` (00000000000000-initial-schema.sql:
--    create extension if not exists "uuid-ossp" with schema extensions; ... pgcrypto ...).
--    IF NOT EXISTS leaves an extension already installed elsewhere where it is. A server built
--    without contrib gets a WARNING instead of a failed shim.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pgcrypto') THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'pgcrypto') THEN
      CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
    ELSE
      RAISE WARNING 'rls-matrix shim: extension pgcrypto is not available on this server';
    END IF;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'uuid-ossp') THEN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_available_extensions WHERE name = 'uuid-ossp') THEN
      CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
    ELSE
      RAISE WARNING 'rls-matrix shim: extension uuid-ossp is not available on this server';
    END IF;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 4. auth tables
--    Column shape of a current project (supabase/auth migrations applied up to is_anonymous,
--    20240214120130_add_is_anonymous_column; as pg_dump'ed from live projects). No table in
--    auth is granted to anon / authenticated / service_role: on Supabase they are owned by
--    supabase_auth_admin and granted only to postgres and dashboard_user, so an API role gets
--    42501 "permission denied for table users". RLS is enabled on them
--    (supabase/auth migrations/20240612123726_enable_rls_update_grants.up.sql), with no policy.
--    Note: auth.users.id, created_at and updated_at have no defaults (GoTrue fills them).
--    Owner: supabase_auth_admin, as on Supabase (00000000000001-auth-schema.sql: ALTER table
--    "auth".users OWNER TO supabase_auth_admin), since Supabase Auth signs users up as that role
--    and triggers on auth.users run as it; the tables the shim creates are handed over, unless
--    the installing role may not (then they stay its own, with a NOTICE).
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF to_regtype('auth.aal_level') IS NULL THEN
    CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
  END IF;

  IF to_regclass('auth.users') IS NULL THEN
    CREATE TABLE auth.users (
      instance_id                 uuid,
      id                          uuid NOT NULL,
      aud                         character varying(255),
      role                        character varying(255),
      email                       character varying(255),
      encrypted_password          character varying(255),
      email_confirmed_at          timestamp with time zone,
      invited_at                  timestamp with time zone,
      confirmation_token          character varying(255),
      confirmation_sent_at        timestamp with time zone,
      recovery_token              character varying(255),
      recovery_sent_at            timestamp with time zone,
      email_change_token_new      character varying(255),
      email_change                character varying(255),
      email_change_sent_at        timestamp with time zone,
      last_sign_in_at             timestamp with time zone,
      raw_app_meta_data           jsonb,
      raw_user_meta_data          jsonb,
      is_super_admin              boolean,
      created_at                  timestamp with time zone,
      updated_at                  timestamp with time zone,
      phone                       text DEFAULT NULL::character varying,
      phone_confirmed_at          timestamp with time zone,
      phone_change                text DEFAULT ''::character varying,
      phone_change_token          character varying(255) DEFAULT ''::character varying,
      phone_change_sent_at        timestamp with time zone,
      confirmed_at                timestamp with time zone
                                  GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
      email_change_token_current  character varying(255) DEFAULT ''::character varying,
      email_change_confirm_status smallint DEFAULT 0,
      banned_until                timestamp with time zone,
      reauthentication_token      character varying(255) DEFAULT ''::character varying,
      reauthentication_sent_at    timestamp with time zone,
      is_sso_user                 boolean DEFAULT false NOT NULL,
      deleted_at                  timestamp with time zone,
      is_anonymous                boolean DEFAULT false NOT NULL,
      CONSTRAINT users_pkey PRIMARY KEY (id),
      CONSTRAINT users_phone_key UNIQUE (phone),
      CONSTRAINT users_email_change_confirm_status_check
        CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2)
    );
    COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';
    COMMENT ON COLUMN auth.users.is_sso_user IS 'Auth: Set this column to true when the account comes from SSO. These accounts can have duplicate emails.';
    CREATE UNIQUE INDEX users_email_partial_key ON auth.users USING btree (email) WHERE (is_sso_user = false);
    COMMENT ON INDEX auth.users_email_partial_key IS 'Auth: A partial unique index that applies only when is_sso_user is false';
    CREATE UNIQUE INDEX confirmation_token_idx ON auth.users USING btree (confirmation_token) WHERE ((confirmation_token)::text !~ '^[0-9 ]*$'::text);
    CREATE UNIQUE INDEX email_change_token_current_idx ON auth.users USING btree (email_change_token_current) WHERE ((email_change_token_current)::text !~ '^[0-9 ]*$'::text);
    CREATE UNIQUE INDEX email_change_token_new_idx ON auth.users USING btree (email_change_token_new) WHERE ((email_change_token_new)::text !~ '^[0-9 ]*$'::text);
    CREATE UNIQUE INDEX reauthentication_token_idx ON auth.users USING btree (reauthentication_token) WHERE ((reauthentication_token)::text !~ '^[0-9 ]*$'::text);
    CREATE UNIQUE INDEX recovery_token_idx ON auth.users USING btree (recovery_token) WHERE ((recovery_token)::text !~ '^[0-9 ]*$'::text);
    CREATE INDEX users_instance_id_email_idx ON auth.users USING btree (instance_id, lower((email)::text));
    CREATE INDEX users_instance_id_idx ON auth.users USING btree (instance_id);
    CREATE INDEX users_is_anonymous_idx ON auth.users USING btree (is_anonymous);
    ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;
    BEGIN
      ALTER TABLE auth.users OWNER TO supabase_auth_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'rls-matrix shim: auth.users stays owned by %', current_user;
    END;
  END IF;

  IF to_regclass('auth.identities') IS NULL THEN
    CREATE TABLE auth.identities (
      provider_id     text NOT NULL,
      user_id         uuid NOT NULL,
      identity_data   jsonb NOT NULL,
      provider        text NOT NULL,
      last_sign_in_at timestamp with time zone,
      created_at      timestamp with time zone,
      updated_at      timestamp with time zone,
      email           text GENERATED ALWAYS AS (lower((identity_data ->> 'email'::text))) STORED,
      id              uuid DEFAULT gen_random_uuid() NOT NULL,
      CONSTRAINT identities_pkey PRIMARY KEY (id),
      CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider),
      CONSTRAINT identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE
    );
    COMMENT ON TABLE auth.identities IS 'Auth: Stores identities associated to a user.';
    CREATE INDEX identities_email_idx ON auth.identities USING btree (email text_pattern_ops);
    CREATE INDEX identities_user_id_idx ON auth.identities USING btree (user_id);
    ALTER TABLE auth.identities ENABLE ROW LEVEL SECURITY;
    BEGIN
      ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'rls-matrix shim: auth.identities stays owned by %', current_user;
    END;
  END IF;

  IF to_regclass('auth.sessions') IS NULL THEN
    CREATE TABLE auth.sessions (
      id                     uuid NOT NULL,
      user_id                uuid NOT NULL,
      created_at             timestamp with time zone,
      updated_at             timestamp with time zone,
      factor_id              uuid,
      aal                    auth.aal_level,
      not_after              timestamp with time zone,
      refreshed_at           timestamp without time zone,
      user_agent             text,
      ip                     inet,
      tag                    text,
      oauth_client_id        uuid,  -- upstream: FK to auth.oauth_clients, which the shim does not install
      refresh_token_hmac_key text,  -- supabase/auth 20251007112900_add_session_refresh_token_columns
      refresh_token_counter  bigint,
      CONSTRAINT sessions_pkey PRIMARY KEY (id),
      CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE
    );
    COMMENT ON TABLE auth.sessions IS 'Auth: Stores session data associated to a user.';
    CREATE INDEX sessions_not_after_idx ON auth.sessions USING btree (not_after DESC);
    CREATE INDEX sessions_user_id_idx ON auth.sessions USING btree (user_id);
    CREATE INDEX user_id_created_at_idx ON auth.sessions USING btree (user_id, created_at);
    ALTER TABLE auth.sessions ENABLE ROW LEVEL SECURITY;
    BEGIN
      ALTER TABLE auth.sessions OWNER TO supabase_auth_admin;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'rls-matrix shim: auth.sessions stays owned by %', current_user;
    END;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 5. auth functions — Supabase's current definitions, verbatim.
--    Each is created only if that exact signature does not exist yet. A supabase/postgres image
--    without GoTrue's migrations ships a LEGACY auth.uid()/role()/email() that read only
--    request.jwt.claim.* and has no auth.jwt(); those legacy functions are kept as they are.
--    Execution: default PUBLIC EXECUTE (Supabase does not revoke it), so every API role may call them.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  -- Copied from supabase/auth migrations/20220224000811_update_auth_functions.up.sql
  IF to_regprocedure('auth.uid()') IS NULL THEN
    create or replace function auth.uid() 
    returns uuid 
    language sql stable
    as $fn$
  select 
  	coalesce(
		nullif(current_setting('request.jwt.claim.sub', true), ''),
		(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
	)::uuid
$fn$;
    -- supabase/auth migrations/20220531120530_add_auth_jwt_function.up.sql
    comment on function auth.uid() is 'Deprecated. Use auth.jwt() -> ''sub'' instead.';
  END IF;

  -- Copied from supabase/auth migrations/20220224000811_update_auth_functions.up.sql
  IF to_regprocedure('auth.role()') IS NULL THEN
    create or replace function auth.role() 
    returns text 
    language sql stable
    as $fn$
  select 
  	coalesce(
		nullif(current_setting('request.jwt.claim.role', true), ''),
		(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
	)::text
$fn$;
    -- supabase/auth migrations/20220531120530_add_auth_jwt_function.up.sql
    comment on function auth.role() is 'Deprecated. Use auth.jwt() -> ''role'' instead.';
  END IF;

  -- Copied from supabase/auth migrations/20220224000811_update_auth_functions.up.sql
  IF to_regprocedure('auth.email()') IS NULL THEN
    create or replace function auth.email() 
    returns text 
    language sql stable
    as $fn$
  select 
  	coalesce(
		nullif(current_setting('request.jwt.claim.email', true), ''),
		(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
	)::text
$fn$;
    -- supabase/auth migrations/20220531120530_add_auth_jwt_function.up.sql
    comment on function auth.email() is 'Deprecated. Use auth.jwt() -> ''email'' instead.';
  END IF;

  -- Copied from supabase/auth migrations/20220531120530_add_auth_jwt_function.up.sql
  IF to_regprocedure('auth.jwt()') IS NULL THEN
    create or replace function auth.jwt()
    returns jsonb
    language sql stable
    as $fn$
  select 
    coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$fn$;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 6. storage tables
--    Shape = supabase/storage migrations/tenant applied in order: 0002-storage-schema.sql (base
--    tables, indexes, RLS on objects), 0002-pathtoken-column.sql (path_tokens), later
--    migrations (public, avif_autodetection, file_size_limit bigint, allowed_mime_types,
--    version, owner_id + "owner is deprecated" comments, objects.id default gen_random_uuid(),
--    owner FKs to auth.users dropped), 0025-custom-metadata.sql (user_metadata),
--    0038-iceberg-catalog-flag-on-buckets.sql (buckets.type storage.buckettype) and the
--    VECTOR value added after it. RLS is enabled on both tables (Supabase reports
--    "new row violates row-level security policy for table buckets" without a policy).
--    Grants: supabase/postgres 00000000000002-storage-schema.sql sets default privileges for
--    supabase_storage_admin in schema storage: ALL on tables/functions/sequences to postgres,
--    anon, authenticated, service_role — so both tables are fully granted to the API roles.
--    Deliberately NOT installed: storage.protect_delete() and its BEFORE DELETE statement
--    triggers (storage 0050-prevent-direct-deletes.sql), which raise 42501 for any direct DELETE
--    unless the Storage API has set storage.can_delete = 'true'.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF to_regtype('storage.buckettype') IS NULL THEN
    CREATE TYPE storage.buckettype AS ENUM ('STANDARD', 'ANALYTICS', 'VECTOR');
  END IF;

  -- Copied from supabase/storage migrations/tenant/0010-add-trigger-to-auto-update-updated_at-column.sql
  -- (there created with the storage schema on the search_path; qualified here).
  IF to_regprocedure('storage.update_updated_at_column()') IS NULL THEN
    CREATE OR REPLACE FUNCTION storage.update_updated_at_column()
    RETURNS TRIGGER AS $fn$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$fn$ language plpgsql;
  END IF;

  IF to_regclass('storage.buckets') IS NULL THEN
    CREATE TABLE storage.buckets (
      id                 text NOT NULL,
      name               text NOT NULL,
      owner              uuid,
      created_at         timestamp with time zone DEFAULT now(),
      updated_at         timestamp with time zone DEFAULT now(),
      public             boolean DEFAULT false,
      avif_autodetection boolean DEFAULT false,
      file_size_limit    bigint,
      allowed_mime_types text[],
      owner_id           text,
      type               storage.buckettype DEFAULT 'STANDARD'::storage.buckettype NOT NULL,
      CONSTRAINT buckets_pkey PRIMARY KEY (id)
    );
    COMMENT ON COLUMN storage.buckets.owner IS 'Field is deprecated, use owner_id instead';
    CREATE UNIQUE INDEX bname ON storage.buckets USING btree (name);
    ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
    GRANT ALL ON TABLE storage.buckets TO anon, authenticated, service_role;
  END IF;

  IF to_regclass('storage.objects') IS NULL THEN
    CREATE TABLE storage.objects (
      id               uuid DEFAULT gen_random_uuid() NOT NULL,
      bucket_id        text,
      name             text,
      owner            uuid,
      created_at       timestamp with time zone DEFAULT now(),
      updated_at       timestamp with time zone DEFAULT now(),
      last_accessed_at timestamp with time zone DEFAULT now(),
      metadata         jsonb,
      path_tokens      text[] GENERATED ALWAYS AS (string_to_array(name, '/'::text)) STORED,
      version          text,
      owner_id         text,
      user_metadata    jsonb,
      CONSTRAINT objects_pkey PRIMARY KEY (id),
      CONSTRAINT "objects_bucketId_fkey" FOREIGN KEY (bucket_id) REFERENCES storage.buckets(id)
    );
    COMMENT ON COLUMN storage.objects.owner IS 'Field is deprecated, use owner_id instead';
    CREATE UNIQUE INDEX bucketid_objname ON storage.objects USING btree (bucket_id, name);
    CREATE INDEX name_prefix_search ON storage.objects USING btree (name text_pattern_ops);
    ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
    CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
      FOR EACH ROW EXECUTE PROCEDURE storage.update_updated_at_column();
    GRANT ALL ON TABLE storage.objects TO anon, authenticated, service_role;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 7. storage helper functions — Supabase's current definitions, verbatim; each created only if
--    that exact signature does not exist. Execution: default PUBLIC EXECUTE.
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  -- Copied from supabase/storage migrations/tenant/0036-optimise-existing-functions.sql
  IF to_regprocedure('storage.foldername(text)') IS NULL THEN
    CREATE OR REPLACE FUNCTION storage.foldername(name text)
    RETURNS text[]
    LANGUAGE plpgsql
    IMMUTABLE
AS $function$
DECLARE
    _parts text[];
BEGIN
    -- Split on "/" to get path segments
    SELECT string_to_array(name, '/') INTO _parts;
    -- Return everything except the last segment
    RETURN _parts[1 : array_length(_parts,1) - 1];
END
$function$;
  END IF;

  -- Copied from supabase/storage migrations/tenant/0002-storage-schema.sql
  -- (not redefined by any later migration)
  IF to_regprocedure('storage.filename(text)') IS NULL THEN
    CREATE OR REPLACE FUNCTION storage.filename(name text)
 RETURNS text
 LANGUAGE plpgsql
AS $function$
DECLARE
_parts text[];
BEGIN
	select string_to_array(name, '/') into _parts;
	return _parts[array_length(_parts,1)];
END
$function$;
  END IF;

  -- Copied from supabase/storage migrations/tenant/0036-optimise-existing-functions.sql
  IF to_regprocedure('storage.extension(text)') IS NULL THEN
    CREATE OR REPLACE FUNCTION storage.extension(name text)
    RETURNS text
    LANGUAGE plpgsql
    IMMUTABLE
AS $function$
DECLARE
    _parts text[];
    _filename text;
BEGIN
    SELECT string_to_array(name, '/') INTO _parts;
    SELECT _parts[array_length(_parts,1)] INTO _filename;
    RETURN reverse(split_part(reverse(_filename), '.', 1));
END
$function$;
  END IF;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 8. Bring pre-existing, older-shaped tables up to the current column set.
--    Only relevant when auth.users / storage.* already existed before this shim (e.g. the
--    supabase/postgres image ships the 2021 auth.users and storage.objects without GoTrue /
--    storage-api migrations). Adds missing columns only; never changes or drops one. On the
--    tables this shim just created it finds nothing to do.
------------------------------------------------------------------------------------------------
DO $shim$
DECLARE
  c record;
BEGIN
  FOR c IN
    SELECT t.tbl, v.col, v.ddl
    FROM (VALUES
      ( 1, 'auth',    'users',   'email_confirmed_at',          'timestamp with time zone'),
      ( 2, 'auth',    'users',   'email_change_token_new',      'character varying(255)'),
      ( 3, 'auth',    'users',   'phone',                       'text DEFAULT NULL::character varying'),
      ( 4, 'auth',    'users',   'phone_confirmed_at',          'timestamp with time zone'),
      ( 5, 'auth',    'users',   'phone_change',                'text DEFAULT ''''::character varying'),
      ( 6, 'auth',    'users',   'phone_change_token',          'character varying(255) DEFAULT ''''::character varying'),
      ( 7, 'auth',    'users',   'phone_change_sent_at',        'timestamp with time zone'),
      ( 8, 'auth',    'users',   'email_change_token_current',  'character varying(255) DEFAULT ''''::character varying'),
      ( 9, 'auth',    'users',   'email_change_confirm_status', 'smallint DEFAULT 0'),
      (10, 'auth',    'users',   'banned_until',                'timestamp with time zone'),
      (11, 'auth',    'users',   'reauthentication_token',      'character varying(255) DEFAULT ''''::character varying'),
      (12, 'auth',    'users',   'reauthentication_sent_at',    'timestamp with time zone'),
      (13, 'auth',    'users',   'is_sso_user',                 'boolean DEFAULT false NOT NULL'),
      (14, 'auth',    'users',   'deleted_at',                  'timestamp with time zone'),
      (15, 'auth',    'users',   'is_anonymous',                'boolean DEFAULT false NOT NULL'),
      (16, 'storage', 'buckets', 'public',                      'boolean DEFAULT false'),
      (17, 'storage', 'buckets', 'avif_autodetection',          'boolean DEFAULT false'),
      (18, 'storage', 'buckets', 'file_size_limit',             'bigint'),
      (19, 'storage', 'buckets', 'allowed_mime_types',          'text[]'),
      (20, 'storage', 'buckets', 'owner_id',                    'text'),
      (21, 'storage', 'buckets', 'type',                        'storage.buckettype DEFAULT ''STANDARD''::storage.buckettype NOT NULL'),
      (22, 'storage', 'objects', 'path_tokens',                 'text[] GENERATED ALWAYS AS (string_to_array(name, ''/''::text)) STORED'),
      (23, 'storage', 'objects', 'version',                     'text'),
      (24, 'storage', 'objects', 'owner_id',                    'text'),
      (25, 'storage', 'objects', 'user_metadata',               'jsonb')
    ) AS v(ord, sch, tbl0, col, ddl)
    CROSS JOIN LATERAL (SELECT format('%I.%I', v.sch, v.tbl0) AS tbl) t
    WHERE to_regclass(format('%I.%I', v.sch, v.tbl0)) IS NOT NULL
      AND NOT EXISTS (
        SELECT 1 FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = to_regclass(format('%I.%I', v.sch, v.tbl0))
          AND a.attname = v.col AND a.attnum > 0 AND NOT a.attisdropped)
    ORDER BY v.ord
  LOOP
    BEGIN
      EXECUTE format('ALTER TABLE %s ADD COLUMN %I %s', c.tbl, c.col, c.ddl);
    EXCEPTION WHEN OTHERS THEN
      RAISE NOTICE 'rls-matrix shim: could not add column %.% (%): %', c.tbl, c.col, SQLSTATE, SQLERRM;
    END;
  END LOOP;
END
$shim$;

------------------------------------------------------------------------------------------------
-- 9. search_path as on Supabase ("$user", public, extensions), so that unqualified
--    uuid_generate_v4() / crypt() / gen_salt() work in migrations. A database-level setting is
--    written only if the database has none yet; it applies to sessions opened afterwards, so the
--    installing session is switched too (set_config(..., false) lasts for the session).
------------------------------------------------------------------------------------------------
DO $shim$
BEGIN
  IF NOT EXISTS (
    SELECT 1
    FROM pg_catalog.pg_db_role_setting s
    JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
    WHERE d.datname = current_database() AND s.setrole = 0
      AND EXISTS (SELECT 1 FROM unnest(s.setconfig) AS cfg WHERE cfg LIKE 'search_path=%')
  ) THEN
    BEGIN
      EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions', current_database());
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE NOTICE 'rls-matrix shim: not allowed to set search_path on database %', current_database();
    END;
  END IF;
END
$shim$;
SELECT pg_catalog.set_config('search_path', '"$user", public, extensions', false);

-- @@grants:legacy
-- Supabase's historical default ("Default privileges for new entities" on): every table,
-- sequence and function that `postgres` creates in public is granted to the API roles.
-- Equivalent to the ALTER DEFAULT PRIVILEGES FOR ROLE "postgres" IN SCHEMA "public" lines of a
-- `supabase db dump`; supabase/postgres migrations/tests/database/privs.sql asserts the result
-- (a table postgres creates gets DELETE, INSERT, REFERENCES, SELECT, TRIGGER, TRUNCATE, UPDATE
-- for anon, authenticated and service_role).
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
-- The same for what the connecting role creates, when it is not postgres (a CI role applying the
-- migrations with --provider url): on Supabase the migrations run as postgres, so its tables get
-- these grants; here they would be owned by the connecting role and get none, and every cell would
-- be a false denied:privilege. Inside the run's rolled-back transaction on someone else's database.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;

-- @@grants:explicit
-- Supabase's current default for new projects (changelog 45329, "Tables not exposed to Data
-- and GraphQL API automatically"): only USAGE on public; each table must be granted explicitly
-- by the project's own migrations. Any default privileges for postgres in public that a
-- previous install or the database image left behind are revoked so that the mode really is
-- explicit (no-ops when none exist), and so are the connecting role's own (as legacy grants them).
-- Functions keep PostgreSQL's built-in PUBLIC EXECUTE.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON FUNCTIONS FROM anon, authenticated, service_role;
