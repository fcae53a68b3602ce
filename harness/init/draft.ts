import { Document, isMap, type YAMLMap } from 'yaml';
import { DEFAULT_OPERATIONS } from '../../core/index.js';
import type { InitTable } from './catalog.js';

/** The personas every generated matrix has: the API's three roles, two of them signed-up users. */
const INIT_PERSONAS = {
  anon: { role: 'anon' },
  alice: { role: 'authenticated', email: 'alice@example.test' },
  bob: { role: 'authenticated', email: 'bob@example.test' },
  service_role: { role: 'service_role' },
} as const;

/** The personas whose own rows a scope tells apart from others'. */
export const USER_PERSONAS = ['alice', 'bob'] as const;

const PLACEHOLDER = 'deny';

/** A table init writes cells for: its owner column, when a policy compares one with auth.uid(). */
export interface DraftTable {
  table: InitTable;
  owner?: string;
  /** No fixture rows: the schema refused the ones init wrote (a CHECK faker cannot know). */
  rowless?: boolean;
}

export interface DraftInput {
  name: string;
  header: string;
  /** Paths relative to the matrix file. */
  migrations: string;
  seed?: string;
  /** Schemas to cover instead of config.toml's exposed ones (or public). */
  schemas?: readonly string[];
  tables: readonly DraftTable[];
}

/**
 * The matrix init starts from: personas, FK-valid fixture rows (parents first; an owned table gets a
 * row of alice's and one of bob's, every other column left to faker and to existing rows for its
 * foreign keys), `own`/`others` scopes on owned tables with a placeholder verdict per user persona
 * and operation (replaced by what the run observes), and `defaults: deny`, so recording reaches every
 * other table × persona × operation.
 */
export function draftMatrix(input: DraftInput): string {
  const ordered = parentsFirst(input.tables);
  const rows: Record<string, object[]> = {};
  for (const { table, owner, rowless } of ordered) if (!rowless) rows[table.name] = owner ? USER_PERSONAS.map((p) => ({ [owner]: `@user.${p}` })) : [{}];
  const tables: Record<string, object> = {};
  for (const { table, owner } of ordered) {
    if (!owner) continue;
    const placeholder = Object.fromEntries(DEFAULT_OPERATIONS.map((op) => [op, { own: PLACEHOLDER, others: PLACEHOLDER }]));
    tables[table.name] = {
      scopes: { own: `${owner} = auth.uid()`, others: `${owner} is distinct from auth.uid()` },
      // default: the whole-table insert of a persona without a user (service_role), whose auth.uid() is null.
      rows: { default: { [owner]: '@user.alice' }, own: { [owner]: '= auth.uid()' }, others: { [owner]: '= (select id from auth.users where id is distinct from auth.uid() order by id limit 1)' } },
      expect: Object.fromEntries(USER_PERSONAS.map((p) => [p, placeholder])),
    };
  }
  const document = new Document({
    version: 1,
    name: input.name,
    ...(input.schemas ? { schemas: input.schemas } : {}),
    database: { migrations: input.migrations, supabase: true },
    fixtures: { ...(input.seed ? { sql: input.seed } : {}), rows },
    personas: INIT_PERSONAS,
    defaults: 'deny',
    ...(Object.keys(tables).length > 0 ? { tables } : {}),
  });
  document.commentBefore = input.header;
  flowLeaves(document.getIn(['fixtures', 'rows']));
  flowLeaves(document.get('personas'));
  for (const name of Object.keys(tables)) flowLeaves(document.getIn(['tables', name, 'rows']));
  return document.toString({ lineWidth: 0 });
}

/** The table whose fixture rows are written at `line` (1-based) of a draft's text. */
export function fixtureTableAt(text: string, line: number): string | undefined {
  const lines = text.split('\n').slice(0, line);
  for (let i = lines.length - 1; i >= 0; i--) {
    const key = /^ {4}(\S+):$/.exec(lines[i]!);
    if (key) return key[1];
    if (!lines[i]!.startsWith('      - ')) return undefined;
  }
  return undefined;
}

/** Writes each value of a map (rows, personas) on one line, as a person would. */
function flowLeaves(node: unknown): void {
  if (!isMap(node)) return;
  for (const pair of (node as YAMLMap).items) {
    const value = pair.value;
    if (isMap(value)) value.flow = true;
    else if (value && typeof value === 'object' && 'items' in value) for (const item of (value as { items: unknown[] }).items) if (isMap(item)) item.flow = true;
  }
}

/** Tables ordered so each comes after the tables its foreign keys point at (a cycle keeps name order). */
function parentsFirst(tables: readonly DraftTable[]): DraftTable[] {
  const byName = new Map(tables.map((t) => [t.table.name, t]));
  const done = new Set<string>();
  const ordered: DraftTable[] = [];
  const visit = (table: DraftTable, path: Set<string>) => {
    if (done.has(table.table.name) || path.has(table.table.name)) return;
    path.add(table.table.name);
    for (const parent of table.table.references) {
      const found = byName.get(parent);
      if (found) visit(found, path);
    }
    done.add(table.table.name);
    ordered.push(table);
  };
  for (const table of tables) visit(table, new Set());
  return ordered;
}
