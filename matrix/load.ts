import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isAlias, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { MatrixError, MatrixErrors } from './errors.js';
import { type MatrixDocument, MatrixSchema } from './schema.js';
import { validateSqlFragments } from './sql-fragments.js';
import { loadSqlParser } from './sql-parser.js';
import { typeScriptLocator, yamlLocator } from './source-map.js';
import { findSupabaseConfig } from './supabase-config.js';
import type { DocumentPath, LoadedMatrix } from './types.js';
import { validateMatrix } from './validate.js';
import { checkYamlValues } from './yaml-checks.js';
import { zodIssuesToErrors } from './zod-errors.js';
import type { SourceLocation } from '../core/index.js';

const MATRIX_FILE_NAMES = ['rls-matrix.yaml', 'rls-matrix.yml', 'rls-matrix.ts', 'rls-matrix.mts'];
const MATRIX_FILE_PATTERN = /\.matrix\.(ya?ml|m?ts)$/;
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

/**
 * Finds the matrix files named by the command line: files as given, directories searched for
 * `rls-matrix.{yaml,yml,ts}` or else every `*.matrix.{yaml,ts}` in them.
 */
export async function findMatrixFiles(targets: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const target of targets.length ? targets : ['.']) {
    const path = resolve(target);
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new MatrixError('ERR_MATRIX_NOT_FOUND', `no such matrix file or directory: ${target}`);
    if (info.isFile()) {
      found.push(path);
      continue;
    }
    const entries = (await readdir(path)).sort();
    const conventional = MATRIX_FILE_NAMES.find((name) => entries.includes(name));
    const matches = conventional ? [conventional] : entries.filter((name) => MATRIX_FILE_PATTERN.test(name));
    if (!matches.length) {
      throw new MatrixError('ERR_MATRIX_NOT_FOUND', `no matrix in ${target}: looked for ${MATRIX_FILE_NAMES.join(', ')} or *.matrix.yaml / *.matrix.ts`);
    }
    found.push(...matches.map((name) => join(path, name)));
  }
  return found;
}

/**
 * Loads one matrix file (YAML or TypeScript), validates it against the v1 format and the names it
 * uses, and resolves its paths. Every problem is reported with file:line:column.
 */
export async function loadMatrix(file: string): Promise<LoadedMatrix> {
  const path = resolve(file);
  const { document, locate } = TS_EXTENSIONS.has(extname(path)) ? await readTypeScript(path) : await readYaml(path);

  const parsed = MatrixSchema.safeParse(document);
  if (!parsed.success) throw new MatrixErrors(zodIssuesToErrors(parsed.error.issues, document, locate));

  const matrix = resolveMatrix(path, parsed.data, locate);
  await applySupabaseConfig(matrix, parsed.data);
  matrix.database.migrations = await expandSqlPaths(matrix.database.migrations, locate(['database', 'migrations']));
  matrix.fixtures.sql = await expandSqlPaths(matrix.fixtures.sql, locate(['fixtures', 'sql']));
  matrix.fixtures.sqlAfterUsers = await expandSqlPaths(matrix.fixtures.sqlAfterUsers, locate(['fixtures', 'sql_after_users']));
  matrix.sources = [path, ...matrix.database.migrations, ...matrix.fixtures.sql, ...matrix.fixtures.sqlAfterUsers, ...(matrix.supabaseConfig ? [matrix.supabaseConfig.file] : [])];
  await loadSqlParser();
  const problems = [...validateMatrix(matrix), ...validateSqlFragments(matrix)];
  if (problems.length) throw new MatrixErrors(problems);
  return matrix;
}

/**
 * The project's own settings, as the Supabase stack has them: config.toml's exposed schemas are the
 * matrix's `schemas` unless it states them, and its extra_search_path the cells' search path.
 */
async function applySupabaseConfig(matrix: LoadedMatrix, doc: MatrixDocument): Promise<void> {
  const config = await findSupabaseConfig(dirname(matrix.file));
  if (!config) return;
  matrix.supabaseConfig = config;
  if (doc.schemas === undefined && config.schemas) matrix.schemas = config.schemas;
  if (config.extraSearchPath) matrix.database.extraSearchPath = config.extraSearchPath;
}

async function readYaml(path: string): Promise<{ document: unknown; locate: (p: DocumentPath) => SourceLocation }> {
  const text = await readText(path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new MatrixErrors(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const location = pos ? { file: path, line: pos.line, column: pos.col } : { file: path };
        return new MatrixError('ERR_MATRIX_SYNTAX', `YAML syntax error: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, location);
      }),
    );
  }
  const unsafe = checkYamlValues(path, text, doc, lineCounter);
  if (unsafe.length) throw new MatrixErrors(unsafe);
  const locate = yamlLocator(path, doc, lineCounter);
  // Big matrices share expectations through anchors (personas × tables aliases). yaml's own guard
  // against exponential "billion laughs" documents walks the whole document once per nested alias
  // (1.4 s for a 100,000-cell matrix): measured here in one pass instead, and yaml's turned off.
  const size = expandedSize(doc.contents);
  if (size > MAX_EXPANDED_NODES) {
    throw new MatrixError(
      'ERR_MATRIX_SYNTAX',
      `the YAML aliases expand to more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} nodes (a document that grows exponentially through nested aliases?)`,
      { file: path },
    );
  }
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: -1 }) as unknown;
  } catch (cause) {
    throw new MatrixError('ERR_MATRIX_SYNTAX', `cannot expand the YAML aliases: ${(cause as Error).message}`, { file: path }, undefined, { cause });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new MatrixError('ERR_MATRIX_INVALID', 'a matrix is a YAML mapping with version, personas and tables', { file: path, line: 1, column: 1 });
  }
  return { document, locate };
}

/** Far beyond any real matrix (the benchmark's 100,000-cell one expands to ~390,000 nodes), far below exhausting memory. */
const MAX_EXPANDED_NODES = 20_000_000;

/**
 * How many nodes `node` becomes once every alias is replaced by what it names, in one walk in
 * document order (an alias can only name an anchor defined before it).
 */
function expandedSize(root: unknown): number {
  const anchors = new Map<string, number>();
  const size = (node: unknown): number => {
    if (isAlias(node)) return anchors.get(node.source) ?? 1;
    let total = 1;
    if (isMap(node)) for (const pair of node.items) total += size(pair.key) + size(pair.value);
    else if (isSeq(node)) for (const item of node.items) total += size(item);
    const anchor = (node as { anchor?: string } | null)?.anchor;
    if (anchor) anchors.set(anchor, total);
    return total;
  };
  return size(root);
}

async function readTypeScript(path: string): Promise<{ document: unknown; locate: (p: DocumentPath) => SourceLocation }> {
  // tsx is an optional peer: only projects that write their matrix in TypeScript install it.
  const { tsImport } = await import('tsx/esm/api').catch((cause: unknown) => {
    throw new MatrixError(
      'ERR_MATRIX_LOADER_MISSING',
      `${path} is a TypeScript matrix, which loads with the npm package tsx: npm install -D tsx (${(cause as Error).message})`,
      { file: path },
      undefined,
      {
        cause,
      },
    );
  });
  let module: { default?: unknown };
  try {
    module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as { default?: unknown };
  } catch (cause) {
    throw new MatrixError('ERR_MATRIX_SYNTAX', `cannot load ${path}: ${(cause as Error).message}`, { file: path }, undefined, { cause });
  }
  const document = defaultExport(module);
  if (document === undefined) {
    throw new MatrixError('ERR_MATRIX_INVALID', 'a TypeScript matrix must `export default defineMatrix({...})`', { file: path });
  }
  return { document, locate: typeScriptLocator(path, await readText(path)) };
}

/**
 * The matrix a module exports by default. In a CommonJS package (no `"type": "module"`) tsx compiles
 * the file to CommonJS, and importing it gives `module.exports` as the default: the matrix is then
 * that object's own `default`, marked by `__esModule`.
 */
function defaultExport(module: { default?: unknown }): unknown {
  const value = module.default;
  if (value !== null && typeof value === 'object' && (value as { __esModule?: unknown }).__esModule === true) return (value as { default?: unknown }).default;
  if (value !== null && typeof value === 'object' && !('version' in value) && 'default' in value) return (value as { default?: unknown }).default;
  return value;
}

/** Files as given, directories as their `*.sql` files in lexical order (how migration tools apply them). */
async function expandSqlPaths(paths: string[], location: SourceLocation): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (!info) throw new MatrixError('ERR_MATRIX_NOT_FOUND', `no such file or directory: ${path}`, location);
    if (info.isFile()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((name) => name.endsWith('.sql')).sort();
    if (!names.length) throw new MatrixError('ERR_MATRIX_NOT_FOUND', `no .sql files in ${path}`, location);
    files.push(...names.map((name) => join(path, name)));
  }
  return files;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new MatrixError('ERR_MATRIX_NOT_FOUND', `cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? cause}`, undefined, undefined, { cause });
  }
}

function resolveMatrix(file: string, doc: MatrixDocument, locate: LoadedMatrix['locate']): LoadedMatrix {
  const base = dirname(file);
  const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const migrations = list(doc.database?.migrations).map((p) => resolve(base, p));
  const sql = list(doc.fixtures?.sql).map((p) => resolve(base, p));
  const sqlAfterUsers = list(doc.fixtures?.sql_after_users).map((p) => resolve(base, p));
  return {
    file,
    name: doc.name ?? file,
    sources: [file, ...migrations, ...sql, ...sqlAfterUsers],
    schemas: doc.schemas ?? ['public'],
    database: {
      migrations,
      supabase: doc.database?.supabase ?? true,
      grants: doc.database?.grants ?? 'legacy',
      ...(doc.database?.pre_request ? { preRequest: doc.database.pre_request } : {}),
    },
    fixtures: {
      sql,
      sqlAfterUsers,
      rows: Object.entries(doc.fixtures?.rows ?? {}).map(([table, rows]) => ({
        table,
        rows: rows.map((row, i) => ({ row, path: ['fixtures', 'rows', table, i] })),
      })),
      seed: doc.fixtures?.seed ?? 1,
    },
    jwt: { ...(doc.jwt?.secret ? { secret: doc.jwt.secret } : {}), expiresIn: doc.jwt?.expiresIn ?? 3600 },
    personas: doc.personas,
    ...(doc.defaults !== undefined ? { defaults: doc.defaults } : {}),
    tables: doc.tables ?? {},
    functions: doc.functions ?? {},
    storage: doc.storage ?? {},
    waivers: (doc.waivers ?? []).map((w, i) => ({ ...w, source: locate(['waivers', i]) })),
    mutationWaivers: (doc.mutation_waivers ?? []).map((w, i) => ({ ...w, source: locate(['mutation_waivers', i]) })),
    locate,
  };
}
