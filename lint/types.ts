import type { LintObjectType, LintSeverity } from '../core/index.js';

/** A policy as the lints see it; expressions deparsed with `search_path = pg_catalog` (schema-qualified). */
export interface LintPolicy {
  name: string;
  permissive: boolean;
  /** Role names; `public` when the policy applies to every role. */
  roles: string[];
  /** Whether `anon` is among the roles it applies to (directly, through membership, or as public). */
  appliesToAnon: boolean;
  command: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'ALL';
  using: string | null;
  withCheck: string | null;
  /** Columns of the policy's own table its expressions reference (from pg_depend). */
  columns: { name: string; boolean: boolean }[];
}

export interface LintTable {
  /** `schema.table`. */
  name: string;
  schema: string;
  table: string;
  owner: string;
  rlsEnabled: boolean;
  rlsForced: boolean;
  /** API roles that hold the owner's privileges (the owner itself, or a member that inherits it). */
  apiOwners: string[];
  /** Table privileges `anon` holds (SELECT, INSERT, UPDATE, DELETE), table- or column-level. */
  anonPrivileges: string[];
  /** Columns that lead a valid index. */
  indexedColumns: string[];
  policies: LintPolicy[];
}

export interface LintFunction {
  /** `schema.function`. */
  name: string;
  schema: string;
  function: string;
  /** pg_get_function_identity_arguments. */
  args: string;
  securityDefiner: boolean;
  /** The pinned search_path (`proconfig`), or null when the caller's applies. */
  searchPath: string | null;
  /** Trigger functions cannot be called over /rpc. */
  trigger: boolean;
  /** API roles that may EXECUTE it. */
  executableBy: string[];
}

export interface LintView {
  /** `schema.view`. */
  name: string;
  schema: string;
  view: string;
  owner: string;
  securityInvoker: boolean;
  /** API roles that may SELECT from it. */
  selectableBy: string[];
  /** RLS-enabled tables it reads, directly or through other views. */
  rlsTables: string[];
}

/** The part of the catalogue the lints read: objects of the linted schemas, none owned by an extension. */
export interface LintCatalog {
  schemas: string[];
  /** Existing API roles the lints consider (anon, authenticated, persona roles), none superuser or BYPASSRLS. */
  apiRoles: string[];
  tables: LintTable[];
  functions: LintFunction[];
  views: LintView[];
}

/** A finding before the registry adds the lint's id, default severity, why and fix. */
export interface LintHit {
  object: string;
  objectType: LintObjectType;
  policy?: string;
  message: string;
  /** Overrides the lint's severity for this finding. */
  severity?: LintSeverity;
  /** Overrides the lint's generic fix, usually with the exact SQL. */
  fix?: string;
}

/** One lint: a pure check over the catalogue snapshot. */
export interface LintRule {
  severity: LintSeverity;
  /** One line, for `docs/lints.md` and `--help`. */
  title: string;
  why: string;
  fix: string;
  check(catalog: LintCatalog): LintHit[];
}
