import { access, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { MatrixError } from './errors.js';

/** What rls-matrix takes from a Supabase project's `supabase/config.toml`. */
export interface SupabaseConfig {
  file: string;
  /** `[api] schemas`: the schemas PostgREST exposes. */
  schemas?: string[];
  /** `[api] extra_search_path`: appended to every request's search_path. */
  extraSearchPath?: string[];
  /** `[db] major_version`: the PostgreSQL major the project runs. */
  majorVersion?: number;
}

const ConfigSchema = z.looseObject({
  api: z.looseObject({ schemas: z.array(z.string()).optional(), extra_search_path: z.array(z.string()).optional() }).optional(),
  db: z.looseObject({ major_version: z.number().int().optional() }).optional(),
});

// pg_graphql's schema: exposed by default in config.toml, but created by an extension the Supabase
// shim does not install, and it never holds a table of the project's.
const NOT_OURS = new Set(['graphql_public']);

/**
 * The nearest `supabase/config.toml` at or above `dir` (where `supabase init` puts it, beside the
 * project's `supabase/migrations`), read as the Supabase CLI reads it; undefined when there is none.
 */
export async function findSupabaseConfig(dir: string): Promise<SupabaseConfig | undefined> {
  for (let current = dir; ; current = dirname(current)) {
    const file = join(current, 'supabase', 'config.toml');
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    )
      return readSupabaseConfig(file);
    if (dirname(current) === current) return undefined;
  }
}

/** Reads the settings rls-matrix uses from a config.toml; a syntax error names its line and column. */
async function readSupabaseConfig(file: string): Promise<SupabaseConfig> {
  let document: unknown;
  // Loaded only for a project that has a config.toml.
  const { parse, TomlError } = await import('smol-toml');
  try {
    document = parse(await readFile(file, 'utf8'));
  } catch (cause) {
    if (!(cause instanceof TomlError)) throw cause;
    throw new MatrixError(
      'ERR_MATRIX_SYNTAX',
      `TOML syntax error: ${cause.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`,
      { file, line: cause.line, column: cause.column },
      undefined,
      { cause },
    );
  }
  const parsed = ConfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MatrixError('ERR_MATRIX_INVALID', `${issue.path.join('.')}: ${issue.message}`, { file });
  }
  const { api, db } = parsed.data;
  const schemas = api?.schemas?.filter((s) => !NOT_OURS.has(s));
  return {
    file,
    ...(schemas?.length ? { schemas } : {}),
    ...(api?.extra_search_path ? { extraSearchPath: api.extra_search_path } : {}),
    ...(db?.major_version !== undefined ? { majorVersion: db.major_version } : {}),
  };
}
