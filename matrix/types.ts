import type { SupabaseConfig } from './supabase-config.js';
import type { MutationWaiver, RowSpec, SourceLocation, Verdict, Waiver } from '../core/index.js';
import type { FunctionSpec, PersonaSpec, StorageBucketSpec, TableSpec } from './schema.js';

/** A path into the matrix document, as zod and the YAML AST both spell it. */
export type DocumentPath = readonly (string | number)[];

/** A validated matrix with its paths resolved and a way back to the source of any node. */
export interface LoadedMatrix {
  /** Absolute path of the matrix file. */
  file: string;
  name: string;
  /** sha256 inputs: the matrix file and everything it references. */
  sources: string[];
  schemas: string[];
  database: {
    /** Absolute paths of migration files, in the order they are applied. */
    migrations: string[];
    supabase: boolean;
    grants: 'legacy' | 'explicit';
    /** PostgREST's db-pre-request: `schema.function` called before every cell. */
    preRequest?: string;
    /** PostgREST's db-extra-search-path (config.toml's `[api] extra_search_path`); Supabase's `public, extensions` when absent. */
    extraSearchPath?: string[];
  };
  /** The project's `supabase/config.toml`, found at or above the matrix's directory. */
  supabaseConfig?: SupabaseConfig;
  fixtures: {
    sql: string[];
    /** SQL files run after the persona users exist (`fixtures.sql_after_users`). */
    sqlAfterUsers: string[];
    rows: FixtureTable[];
    seed: number;
  };
  jwt: { secret?: string; expiresIn: number };
  personas: Record<string, PersonaSpec>;
  defaults?: Verdict;
  tables: Record<string, TableSpec>;
  functions: Record<string, FunctionSpec>;
  storage: Record<string, StorageBucketSpec>;
  /** Accepted lint findings (`waivers:`), in the order written. */
  waivers?: Waiver[];
  /** Accepted surviving mutants (`mutation_waivers:`), in the order written. */
  mutationWaivers?: MutationWaiver[];
  /** Maps a document path to its file:line:column (line and column absent for TypeScript matrices). */
  locate(path: DocumentPath): SourceLocation;
}

interface FixtureTable {
  table: string;
  rows: { row: RowSpec; path: DocumentPath }[];
}

export type { TableSpec };
