import { Document, isMap, type YAMLMap } from 'yaml';
import { DEFAULT_OPERATIONS } from '../../core/index.js';
import type { InitTable } from './catalog.js';
import type { Membership, MembershipTable } from './members.js';
import { type StorageScopes, storageRows, storageSection } from './storage.js';

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
  /** The membership helper its policies call on a column, when it has no owner column. */
  membership?: Membership;
  /** No fixture rows: the schema refused the ones init wrote (a CHECK faker cannot know). */
  rowless?: boolean;
  /** Values for columns a CHECK refused left empty or at their default (alice's row, bob's). */
  fills?: Record<string, [string, string]>;
  /** Fixture rows written with their persona's claims (`$as`): a trigger fills a column from auth.uid(). */
  actAs?: boolean;
}

/** A group (an account, a team) whose membership scopes tables: who belongs, per the membership table. */
export interface DraftGroup {
  table: string;
  key: string;
  members?: MembershipTable;
}

/** The stable key of the group fixture row `index` (0: alice's, 1: bob's) of a group table. */
function groupRef(group: string, index: number): string {
  return `@${group.replace(/\W+/g, '_')}_${index === 0 ? 'a' : 'b'}`;
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
  /** Groups the membership scopes point at: each gets two rows, alice a member of one, bob of the other. */
  groups?: readonly DraftGroup[];
  /** Buckets the project creates, when storage.objects has policies: storage cells, and an object of alice's and bob's in each. */
  storage?: { buckets: readonly string[]; ownerColumns: readonly string[]; scopes?: StorageScopes };
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
  const groups = input.groups ?? [];
  const rows: Record<string, object[]> = {};
  for (const draft of ordered) if (!draft.rowless) rows[draft.table.name] = fixtureRows(draft, groups);
  if (input.storage) rows['storage.objects'] = storageRows(input.storage.buckets, input.storage.ownerColumns);
  const tables: Record<string, object> = {};
  for (const { table, owner, membership } of ordered) {
    if (owner) {
      const placeholder = Object.fromEntries(DEFAULT_OPERATIONS.map((op) => [op, { own: PLACEHOLDER, others: PLACEHOLDER }]));
      tables[table.name] = {
        scopes: { own: `${owner} = auth.uid()`, others: `${owner} is distinct from auth.uid()` },
        // default: the whole-table insert of a persona without a user (service_role), whose auth.uid() is null.
        rows: { default: { [owner]: '@user.alice' }, own: { [owner]: '= auth.uid()' }, others: { [owner]: '= (select id from auth.users where id is distinct from auth.uid() order by id limit 1)' } },
        expect: Object.fromEntries(USER_PERSONAS.map((p) => [p, placeholder])),
      };
    } else if (membership) tables[table.name] = membershipCells(table, membership, groups.find((g) => g.table === membership.group.table)?.members);
  }
  // A table of members is keyed by (group, user) in effect: an insert of a membership that exists
  // is a duplicate. The whole-table insert (service_role's) makes alice a member of bob's group; an
  // owner's insert joins a group the persona is not in.
  for (const group of groups) {
    const members = group.members;
    if (!members) continue;
    const entry = (tables[members.table] ??= {}) as { rows?: Record<string, Record<string, string>> };
    const rowsOf = (entry.rows ??= {});
    rowsOf.default = { ...rowsOf.default, [members.userColumn]: '@user.alice', [members.groupColumn]: groupRef(group.table, 1) };
    if (rowsOf.own) {
      const mine = `select m.${quoteName(members.groupColumn)} from ${qualifiedName(members.table)} m where m.${quoteName(members.userColumn)} = auth.uid()`;
      rowsOf.own = {
        ...rowsOf.own,
        [members.groupColumn]: `= (select g.${quoteName(group.key)} from ${qualifiedName(group.table)} g where g.${quoteName(group.key)} not in (${mine}) order by 1 limit 1)`,
      };
    }
  }
  // The rows inserts write need the CHECK's columns too; not the fixture rows' values, which a unique key may hold.
  for (const { table, fills } of ordered) {
    if (!fills) continue;
    const values = Object.fromEntries(Object.entries(fills).map(([column, [a]]) => [column, a.replace(/-a(}?)$/, '-new$1')]));
    const entry = (tables[table.name] ??= {}) as { rows?: Record<string, object> };
    entry.rows = entry.rows ? Object.fromEntries(Object.entries({ default: {}, ...entry.rows }).map(([scope, row]) => [scope, { ...values, ...row }])) : { default: values };
  }
  const document = new Document(
    {
      version: 1,
      name: input.name,
      ...(input.schemas ? { schemas: input.schemas } : {}),
      database: { migrations: input.migrations, supabase: true },
      fixtures: { ...(input.seed ? { sql: input.seed } : {}), rows },
      personas: INIT_PERSONAS,
      defaults: 'deny',
      ...(Object.keys(tables).length > 0 ? { tables } : {}),
      ...(input.storage ? { storage: storageSection(input.storage.buckets, input.storage.scopes) } : {}),
    },
    { aliasDuplicateObjects: false },
  );
  document.commentBefore = input.header;
  flowLeaves(document.getIn(['fixtures', 'rows']));
  flowLeaves(document.get('personas'));
  for (const name of Object.keys(tables)) if (document.hasIn(['tables', name, 'rows'])) flowLeaves(document.getIn(['tables', name, 'rows']));
  for (const bucket of input.storage?.buckets ?? []) if (document.hasIn(['storage', bucket, 'rows'])) flowLeaves(document.getIn(['storage', bucket, 'rows']));
  return document.toString({ lineWidth: 0 });
}

/**
 * Scopes `member` (the helper's call, as the policy has it) and `nonmember`, with cells for alice and
 * bob on each. An insert into a group table itself (the helper called on its own key) makes a new
 * group no one belongs to yet: it stays a whole-table cell.
 */
function membershipCells(table: InitTable, membership: Membership, members: MembershipTable | undefined): object {
  const selfGroup = membership.group.table === table.name && membership.column === membership.group.key;
  const operations = DEFAULT_OPERATIONS.filter((op) => !(selfGroup && op === 'insert'));
  const placeholder = Object.fromEntries(operations.map((op) => [op, { member: PLACEHOLDER, nonmember: PLACEHOLDER }]));
  const column = quoteName(membership.column);
  const key = `g.${quoteName(membership.group.key)}`;
  // With the table of members known, scopes read it, not the helper: a helper that lets everyone in
  // then fails the nonmember cells instead of emptying their scope (an error, not a finding).
  const mine = members && `select m.${quoteName(members.groupColumn)} from ${qualifiedName(members.table)} m where m.${quoteName(members.userColumn)} = auth.uid()`;
  const scopes = mine
    ? { member: `${column} in (${mine})`, nonmember: `${column} not in (${mine})` }
    : { member: `coalesce(${membership.call}, false)`, nonmember: `not coalesce(${membership.call}, false)` };
  const isMember = mine ? `${key} in (${mine})` : `coalesce(${membership.template.replaceAll('$KEY', key)}, false)`;
  const chosen = (negate: boolean) => `= (select ${key} from ${qualifiedName(membership.group.table)} g where ${negate ? `not (${isMember})` : isMember} order by 1 limit 1)`;
  // A composite key through the group column to the table of members (notes of a membership) takes
  // its other columns from a membership of the chosen group, so the pair exists.
  const row = (negate: boolean) => {
    const group = chosen(negate);
    const values: Record<string, string> = { [membership.column]: group };
    for (const key of table.compositeKeys) {
      const at = key.columns.indexOf(membership.column);
      if (at < 0 || key.table !== members?.table) continue;
      key.columns.forEach((column, i) => {
        if (i !== at)
          values[column] = `= (select m.${quoteName(key.refColumns[i]!)} from ${qualifiedName(key.table)} m where m.${quoteName(key.refColumns[at]!)} = (${group.slice(2)}) order by 1 limit 1)`;
      });
    }
    return values;
  };
  return {
    scopes,
    ...(selfGroup ? {} : { rows: { member: row(false), nonmember: row(true) } }),
    expect: Object.fromEntries(USER_PERSONAS.map((p) => [p, placeholder])),
  };
}

/**
 * A table's fixture rows: one, left to faker, unless whose a row is matters. Then two, alice's and
 * bob's: the owner column and every column pointing at auth.users set to the persona's user, every
 * column pointing at a group (or being its key) set to that persona's group, so a membership row, the
 * group, and the rows in it agree (a composite foreign key to the membership table finds its row).
 */
function fixtureRows(draft: DraftTable, groups: readonly DraftGroup[]): object[] {
  const { table, owner } = draft;
  const pairs: [string, (index: number) => string][] = [];
  for (const group of groups) {
    if (group.table === table.name && table.primaryKey.length === 1 && table.primaryKey[0] === group.key) pairs.push([group.key, (i) => groupRef(group.table, i)]);
    for (const fk of table.foreignKeys) if (fk.table === group.table && fk.refColumn === group.key) pairs.push([fk.column, (i) => groupRef(group.table, i)]);
  }
  const { membership } = draft;
  if (membership && !pairs.some(([column]) => column === membership.column)) pairs.push([membership.column, (i) => groupRef(membership.group.table, i)]);
  const grouped = pairs.length > 0;
  if (owner) pairs.push([owner, (i) => `@user.${USER_PERSONAS[i]}`]);
  if (grouped) for (const fk of table.foreignKeys) if (fk.table === 'auth.users' && fk.refColumn === 'id' && fk.column !== owner) pairs.push([fk.column, (i) => `@user.${USER_PERSONAS[i]}`]);
  const set = new Set(pairs.map(([column]) => column));
  const fills = Object.entries(draft.fills ?? {}).filter(([column]) => !set.has(column));
  if (pairs.length === 0) return [Object.fromEntries(fills.map(([column, values]) => [column, values[0]]))];
  for (const [column, values] of fills) pairs.push([column, (i) => values[i]!]);
  return USER_PERSONAS.map((persona, i) => ({ ...(draft.actAs ? { $as: persona } : {}), ...Object.fromEntries(pairs.map(([column, value]) => [column, value(i)])) }));
}

function quoteName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function qualifiedName(name: string): string {
  const dot = name.indexOf('.');
  return `${quoteName(name.slice(0, dot))}.${quoteName(name.slice(dot + 1))}`;
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
